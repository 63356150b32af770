"""`clinic.reminders` is infrastructure: it imports only core, auth, audit and patients (DESIGN.md, Layers)."""

from __future__ import annotations

import ast
from pathlib import Path

import clinic

ALLOWED = ("clinic.reminders", "clinic.auth", "clinic.audit", "clinic.patients", "clinic.clinics")
PACKAGES = {p.name for p in Path(clinic.__file__).parent.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_reminders_imports_nothing_above_patients():
    root = Path(clinic.__file__).parent / "reminders"
    wrong = []
    for path in sorted(root.rglob("*.py")):
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] != "clinic" or len(parts) < 2:
                continue
            is_core_module = parts[1] not in PACKAGES  # clinic/*.py modules are core
            if not is_core_module and not name.startswith(ALLOWED):
                wrong.append(f"{path.relative_to(root.parent)}: {name}")
    assert wrong == []


def test_the_check_sees_an_upward_import(tmp_path):
    """The rule above would catch `from clinic.routines...` (guards against a test that cannot fail)."""
    sample = tmp_path / "x.py"
    sample.write_text("from clinic.routines.models import Routine\nimport clinic.scheduling.models\n")
    assert _imports(sample) == ["clinic.routines.models", "clinic.scheduling.models"]
    assert not any(n.startswith(ALLOWED) for n in _imports(sample))
