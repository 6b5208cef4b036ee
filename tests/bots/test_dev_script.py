"""`./dev` says what it does, refuses a too-old Python with a clear message, and rebuilds a
`.venv` made by one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

DEV = Path(__file__).resolve().parents[2] / "dev"


def fake_python(folder: Path, version: str) -> Path:
    """A `python3` that is `version` (it fails the 3.11 check)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "python3"
    path.write_text(f"#!/bin/sh\ncase \"$1\" in --version) echo 'Python {version}';; "
                    "*) exit 1;; esac\n")
    path.chmod(0o755)
    return path


def run_dev(folder: Path, path: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": path, "HOME": str(folder), "PIP_NO_INDEX": "1",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    bash = shutil.which("bash") or "/bin/bash"
    return subprocess.run([bash, str(folder / "dev"), *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)


def tools(folder: Path) -> str:
    """A PATH with the shell tools `dev` uses and no Python."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("dirname", "sed", "rm", "touch", "cat"):
        found = shutil.which(name)
        assert found is not None
        (folder / name).symlink_to(found)
    return str(folder)


def test_a_too_old_python_gets_a_clear_message(tmp_path: Path) -> None:
    shutil.copy(DEV, tmp_path / "dev")
    old = fake_python(tmp_path / "old", "3.9.18")
    run = run_dev(tmp_path, f"{old.parent}{os.pathsep}{tools(tmp_path / 'bin')}", "setup")
    assert run.returncode == 1
    assert "nemobot needs Python 3.11 or newer (found: Python 3.9.18)." in run.stderr
    assert "PYTHON=/path/to/python3.12 ./dev setup" in run.stderr
    assert not (tmp_path / ".venv").exists()


def test_a_venv_of_a_too_old_python_is_made_again(tmp_path: Path) -> None:
    shutil.copy(DEV, tmp_path / "dev")
    fake_python(tmp_path / ".venv" / "bin", "3.9.18").rename(tmp_path / ".venv/bin/python")
    good = tmp_path / "good"
    good.mkdir()
    (good / "python3").symlink_to(sys.executable)
    run = run_dev(tmp_path, f"{good}{os.pathsep}{tools(tmp_path / 'bin')}", "setup")
    assert "Recreating .venv: it was made by Python 3.9.18, nemobot needs 3.11+" in run.stderr
    assert "Creating .venv with Python 3." in run.stderr
    assert "Installing dependencies, about a minute the first time" in run.stderr
    assert (tmp_path / ".venv" / "bin" / "python").is_file()
    version = subprocess.run([str(tmp_path / ".venv/bin/python"), "--version"],
                             capture_output=True, text=True, check=True).stdout
    assert version.startswith("Python 3.1")
