"""The simulator's modules import each other without cycles, counting every import
(inside functions and under TYPE_CHECKING too)."""

from __future__ import annotations

import ast
from pathlib import Path

import core.simulator

PACKAGE = Path(core.simulator.__file__).parent


def _imports() -> dict[str, set[str]]:
    """Module name -> the simulator modules it imports."""
    names = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__"}
    graph: dict[str, set[str]] = {}
    for name in names:
        found: set[str] = set()
        for node in ast.walk(ast.parse((PACKAGE / f"{name}.py").read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
        graph[name] = {
            m.removeprefix("core.simulator.") for m in found if m.startswith("core.simulator.")
        } & names
    return graph


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """An import path from `start` back to itself, if there is one."""
    paths = [[start]]
    seen: set[str] = set()
    while paths:
        path = paths.pop()
        for nxt in sorted(graph[path[-1]]):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                paths.append([*path, nxt])
    return None


def test_no_import_cycles() -> None:
    graph = _imports()
    assert {"app", "control"} <= graph["server"]  # the graph is read
    cycles = [c for name in sorted(graph) if (c := _cycle_from(name, graph))]
    assert cycles == [], " ; ".join(" -> ".join(c) for c in cycles)
