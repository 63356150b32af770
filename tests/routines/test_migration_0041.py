"""Migration 0041 folds the old separate recovery routine into the patient's routine and merges stacked
recovery steps (issue 14, items 10 and 21), keeping one tick per step and day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import flask_migrate
import pytest
import sqlalchemy as sa

from clinic.catalog import defaults as catalog_defaults
from clinic.extensions import db
from clinic.routines.models import AdherenceLog, AftercareRecord, Routine, RoutineStep
from tests.factories import default_clinic
from tests.routines.factories import make_routine, procedure, product
from tests.test_migrations import empty_database_url, migration_app  # noqa: F401 - fixtures

ENDED = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _catalog_only(monkeypatch):
    """The factories install the clinic's catalogue with today's models; the features above the catalogue
    (consent forms, whose table has grown since 0040) are not what 0041 migrates, so they are left out."""
    monkeypatch.setattr(catalog_defaults, "_more_defaults", [])


def _tick(step: RoutineStep, day: date) -> None:
    db.session.add(
        AdherenceLog(
            step_id=step.id, patient_id=step.routine.patient_id, local_date=day, slot=step.slot, status="done", at=ENDED
        )
    )


def _patient_at_0040(record_number: str) -> SimpleNamespace:
    """A patient row written with the columns of revision 0040 (the Patient model has grown since)."""
    clinic = default_clinic()
    patient_id = db.session.execute(
        sa.text(
            "INSERT INTO patient (clinic_id, record_number, first_name, last_name, date_of_birth, sex, timezone, "
            "version, created_at, updated_at) VALUES (:c, :r, 'Pat', 'Ient', '1985-05-17', 'female', "
            "'America/New_York', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"
        ),
        {"c": clinic.id, "r": record_number},
    ).scalar_one()
    return SimpleNamespace(id=patient_id, clinic_id=clinic.id)


def test_recovery_routines_and_stacked_recovery_steps_are_merged(migration_app):  # noqa: F811
    flask_migrate.upgrade(revision="0040_routine_windows")
    patient = _patient_at_0040("P0040A")
    own = make_routine(patient, [dict(product="Gentle Cream Cleanser", slot="am")])
    alone = _patient_at_0040("P0040B")
    hyaluronic = product(patient.clinic_id, "Hyaluronic Recovery Serum")
    records = []
    for who in (patient, patient, alone):
        record = AftercareRecord(
            clinic_id=who.clinic_id, patient_id=who.id, session_ended_at=ENDED, procedure_id=procedure(who.clinic_id).id
        )
        db.session.add(record)
        records.append(record)
    recovery = Routine(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        concern="post_microneedling",
        goal="Recovery after a procedure",
        starts_on=date(2026, 11, 20),
    )
    solo = Routine(
        clinic_id=alone.clinic_id,
        patient_id=alone.id,
        concern="post_microneedling",
        goal="Recovery after a procedure",
        starts_on=date(2026, 11, 20),
    )
    db.session.add_all([recovery, solo])
    db.session.flush()
    copies = [
        RoutineStep(routine=recovery, product=hyaluronic, slot="pm", aftercare_id=record.id) for record in records[:2]
    ]
    db.session.add_all(copies)
    db.session.flush()
    _tick(copies[0], date(2026, 11, 21))
    _tick(copies[1], date(2026, 11, 21))  # the same evening, counted twice
    _tick(copies[1], date(2026, 11, 22))
    db.session.commit()

    flask_migrate.upgrade()
    db.session.expire_all()
    routines = db.session.scalars(sa.select(Routine).where(Routine.patient_id == patient.id)).all()
    assert [r.id for r in routines] == [own.id]
    recovery_steps = [s for s in routines[0].steps if s.aftercare_id]
    assert [(s.id, s.slot, s.product_id) for s in recovery_steps] == [(copies[0].id, "pm", hyaluronic.id)]
    ticks = db.session.execute(
        sa.select(AdherenceLog.step_id, AdherenceLog.local_date).where(AdherenceLog.patient_id == patient.id)
    ).all()
    assert sorted(ticks) == [(copies[0].id, date(2026, 11, 21)), (copies[0].id, date(2026, 11, 22))]
    kept = db.session.scalar(sa.select(Routine).where(Routine.patient_id == alone.id))
    assert (kept.id, kept.goal) == (solo.id, "Home routine")
