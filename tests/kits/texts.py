"""The registered texts, for the catalog test and for whoever translates after a merge.

    .venv/bin/python -m tests.kits.texts            # what is missing or to check
    .venv/bin/python -m tests.kits.texts --stamp    # after translating: record the English

`--stamp` writes `core/locales/sources.py`: the English each text's translations now
match. A text whose English changes later is listed again until its translations are
checked and the file is stamped again.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from pathlib import Path

import bots
import core
from core import i18n

SOURCES_FILE = Path(core.__file__).parent / "locales" / "sources.py"

_HEADER = '''"""The English each text's translations were made from (a fingerprint per key).

A text whose English changed since then is listed by the catalog test until its
translations are checked and this file is written again:
`.venv/bin/python -m tests.kits.texts --stamp`. Generated: do not edit by hand.
"""

from __future__ import annotations

SOURCES: dict[str, str] = {
'''


def load_all() -> None:
    """Import every module of `core` and `bots`, so every `texts({...})` has run."""
    for package in (core, bots):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)


def stamp() -> int:
    """Record the English of every text translated into every language; returns how many."""
    complete = {key: i18n.fingerprint(variants["en"])
                for key, variants in sorted(i18n.registered().items())
                if set(variants) == set(i18n.LANGUAGES)}
    lines = [f'    "{key}": "{value}",' for key, value in complete.items()]
    SOURCES_FILE.write_text(_HEADER + "\n".join(lines) + "\n}\n")
    return len(complete)


def main() -> None:
    """List the texts' problems, or stamp the catalogs."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stamp", action="store_true",
                        help="record the English of every fully translated text")
    args = parser.parse_args()
    load_all()
    if args.stamp:
        print(f"{stamp()} texts stamped in {SOURCES_FILE}")
        return
    problems = i18n.problems()
    print("\n".join(problems) if problems else "every text is in every language")


if __name__ == "__main__":
    main()
