"""`flask import patients|appointments FILE`: report printed, exit status, dry run, skip, clinic choice."""

from __future__ import annotations

import sqlalchemy as sa

from clinic.extensions import db
from clinic.patients.models import Patient
from tests.factories import make_clinic
from tests.interop.imports.helpers import csv_bytes, row


def count() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count(Patient.id)))


def test_patients_dry_run_then_real_run_then_again(app, tmp_path):
    make_clinic("Only")
    db.session.commit()
    path = tmp_path / "patients.csv"
    path.write_bytes(csv_bytes(row("A1"), row("A2")))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import", "patients", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "patients: 2 rows (2 create, 0 update, 0 unchanged, 0 refused); dry run, nothing written" in dry.output
    assert count() == 0
    real = runner.invoke(args=["import", "patients", str(path)])
    assert real.exit_code == 0 and "written" in real.output and count() == 2
    again = runner.invoke(args=["import", "patients", str(path)])
    assert "0 create, 0 update, 2 unchanged" in again.output and count() == 2


def test_refused_rows_are_listed_and_fail_the_command_unless_skipped(app, tmp_path):
    make_clinic("Only")
    db.session.commit()
    path = tmp_path / "patients.csv"
    path.write_bytes(csv_bytes(row("A1"), row("A2", date_of_birth="31/12/1980")))
    runner = app.test_cli_runner()
    blocked = runner.invoke(args=["import", "patients", str(path)])
    assert blocked.exit_code == 1
    assert "line 3: refused Silva, Ana" not in blocked.output  # refused rows are named by what the file says
    assert "line 3: refused A2: date_of_birth: Enter a valid date of birth." in blocked.output
    assert "nothing written" in blocked.output and count() == 0
    skipped = runner.invoke(args=["import", "patients", str(path), "--skip-bad-rows"])
    assert skipped.exit_code == 0 and count() == 1


def test_a_bad_file_and_the_clinic_option(app, tmp_path):
    first, second = make_clinic("North"), make_clinic("South")
    db.session.commit()
    path = tmp_path / "patients.csv"
    path.write_bytes(csv_bytes(row("A1")))
    runner = app.test_cli_runner()
    ambiguous = runner.invoke(args=["import", "patients", str(path)])
    assert ambiguous.exit_code == 2 and "--clinic" in ambiguous.output
    assert runner.invoke(args=["import", "patients", str(path), "--clinic", "South"]).exit_code == 0
    assert runner.invoke(args=["import", "patients", str(path), "--clinic", str(first.id)]).exit_code == 0
    assert count() == 2
    assert db.session.scalar(sa.select(Patient.clinic_id).where(Patient.clinic_id == second.id)) == second.id
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"external_id,shoe_size\nA1,9\n")
    result = runner.invoke(args=["import", "patients", str(bad), "--clinic", "North"])
    assert result.exit_code == 1 and "Unknown column: shoe_size" in result.output
