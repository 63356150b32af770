"""Importing another system's patients: the same 10,000-row CSV (bench.generate.patient_csv) checked in a
dry run, imported, then imported again (every row unchanged, nothing created), each timed on its own."""

from __future__ import annotations

import os
import time

import sqlalchemy as sa

from bench.generate import make_clinic_with_staff, patient_csv
from clinic.extensions import db
from clinic.interop.imports.patients import import_patients
from clinic.patients.models import Patient

IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))


def _timed(label: str, name: str, run) -> float:
    started = time.perf_counter()
    report = run()
    db.session.commit()
    seconds = time.perf_counter() - started
    print(f"[{name}] import {IMPORT_ROWS} patients  {label:<12} {seconds:6.2f} s  ({report.summary()})")
    return seconds


def bench_imports(name: str) -> None:
    """Expects an empty schema in the current app context."""
    clinic, _ = make_clinic_with_staff()
    db.session.commit()
    data = patient_csv(IMPORT_ROWS)
    print(f"[{name}] import file: {IMPORT_ROWS} rows, {len(data) / 1024 / 1024:.1f} MiB")
    _timed("dry run", name, lambda: import_patients(data, clinic, dry_run=True))
    _timed("first run", name, lambda: import_patients(data, clinic, dry_run=False))
    _timed("second run", name, lambda: import_patients(data, clinic, dry_run=False))
    count = db.session.scalar(sa.select(sa.func.count(Patient.id)).where(Patient.clinic_id == clinic.id))
    print(f"[{name}] patients after two runs: {count} (expected {IMPORT_ROWS})")
