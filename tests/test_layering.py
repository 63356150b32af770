"""The layering of DESIGN.md, checked on the source: imports point down only, no import cycles, and no imports
hidden inside functions to dodge one (unless a comment on that line says why).

Layers, lowest first. A package may import packages of lower layers only; a lower package that must react to
a higher one's event offers a registry the higher one plugs into (patients.chart, treatments.hooks,
catalog.defaults.register_defaults, audit.people).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

CLINIC = Path(__file__).resolve().parent.parent / "clinic"

LAYERS: list[set[str]] = [
    {"core", "clinics"},  # clinics: which clinic, which zone, which today (clinics.services)
    {"audit"},
    {"auth"},
    {"patients"},
    {"reminders"},
    {"catalog"},
    {"consents"},
    {"photos"},
    {"treatments"},
    {"scheduling", "routines"},
    {"checkins", "outcomes"},  # aftercare answers into the problem inbox; scores next to routine adherence
    {"interop", "chart"},  # interop: FHIR mapping, export, imports; chart: the summary across features
    {"safety"},  # lot recalls, adverse events, signals: reads sessions, lots, problem reports; prints via interop
    {"portal", "api", "backups"},  # backups: copies the database and the photo folder
]
#: Modules at the top of the package that wire everything together (they may import any feature).
COMPOSITION_ROOT = {"__init__", "cli", "demo", "models"}
#: Core modules allowed to reach one layer up, and why.
CORE_EXCEPTIONS = {("access", "audit")}  # a refused request is audited by access.deny


def _rank(package: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if package in layer)


def _imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node, node.module


def _owner(path: Path) -> tuple[str, str]:
    """(package, module name) of a file: top-level modules belong to `core`."""
    parts = path.relative_to(CLINIC).with_suffix("").parts
    return ("core", parts[0]) if len(parts) == 1 else (parts[0], ".".join(parts))


def _package_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "clinic" or len(parts) < 2:
        return None
    return parts[1] if (CLINIC / parts[1]).is_dir() else "core"


def _sources() -> list[tuple[Path, ast.AST, list[str]]]:
    return [(p, ast.parse(p.read_text()), p.read_text().splitlines()) for p in sorted(CLINIC.rglob("*.py"))]


def test_every_package_has_a_layer():
    packages = {p.name for p in CLINIC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages <= set().union(*LAYERS), packages - set().union(*LAYERS)


def test_imports_point_down_only():
    upward = []
    for path, tree, _ in _sources():
        package, module = _owner(path)
        if package == "core" and module in COMPOSITION_ROOT:
            continue
        for node, target in _imports(tree):
            imported = _package_of(target)
            if imported is None or imported == package or (module, imported) in CORE_EXCEPTIONS:
                continue
            if _rank(imported) > _rank(package) or (_rank(imported) == _rank(package) > 0):
                upward.append(f"{path.relative_to(CLINIC.parent)}:{node.lineno} {package} -> {imported}")
    assert not upward, "imports that point up or sideways:\n" + "\n".join(upward)


def test_no_import_cycles_between_modules():
    """Module-level imports only (what runs at import time); a cycle there is a second view module attaching
    routes by a bottom-of-file import, or two services leaning on each other."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path, tree, _ in _sources():
        name = "clinic." + ".".join(path.relative_to(CLINIC).with_suffix("").parts).removesuffix(".__init__")
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue  # runs later, not at import (and must say why, see the test below)
            for _, target in _imports(node):
                if target.startswith("clinic.") and target != name:
                    graph[name].add(target)
    cycles = set()
    for start in graph:
        stack = [(start, (start,))]
        while stack:
            node, trail = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    cycles.add(" -> ".join(trail + (start,)))
                elif nxt not in trail and len(trail) < 8:
                    stack.append((nxt, trail + (nxt,)))
    assert not cycles, "module import cycles:\n" + "\n".join(sorted(cycles))


def test_imports_inside_functions_say_why():
    hidden = []
    for path, tree, lines in _sources():
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node, target in _imports(func):
                if target.startswith("clinic") and "#" not in lines[node.lineno - 1]:
                    hidden.append(f"{path.relative_to(CLINIC.parent)}:{node.lineno} {target}")
    assert not hidden, "imports inside functions without a reason:\n" + "\n".join(hidden)


def test_views_never_commit():
    """One commit point: the request commits after the view returns (clinic/transactions.py)."""
    committing = [
        str(path.relative_to(CLINIC.parent))
        for path, _, lines in _sources()
        if ("views" in path.parts or path.stem.endswith("views")) and any("commit()" in line for line in lines)
    ]
    assert not committing, committing
