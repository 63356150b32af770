"""A logged session pauses the patient's conflicting home steps once; a back-dated one changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from clinic.db import now_utc
from clinic.extensions import db
from clinic.routines.models import AftercareRecord, RoutineWindow
from clinic.routines.services import day_plan
from clinic.treatments.services import ProductUse, SessionDetails, save_session
from tests.factories import make_patient, make_user
from tests.routines.factories import AGING_STEPS, make_routine
from tests.treatments.factories import make_lot, make_session


def _record(session, lot, ended_at, provider) -> None:
    details = SessionDetails(
        started_at=ended_at - timedelta(hours=1),
        ended_at=ended_at,
        device="Dermapen 4",
        areas=[("Cheeks", Decimal("1.0"), 3)],
        products=[ProductUse(lot.product_id, lot.lot_number, Decimal("2.5"))],
    )
    save_session(session, details, loaded_version=session.version, user=provider)
    db.session.flush()


def _paused_products(patient) -> set[str]:
    """Products paused at some time in the next 8 days (the windows apply when a day is shown)."""
    today = now_utc().date()
    plans = [day_plan(patient, today + timedelta(days=n)) for n in range(8)]
    return {p.step.product.name for plan in plans for slot in plan.slots.values() for p in slot if p.pause}


def test_recording_the_end_of_a_session_pauses_actives_once(app):
    patient = make_patient()
    derm = make_user("dermatologist", clinic=None)
    make_routine(patient, AGING_STEPS, starts_on=(now_utc() - timedelta(days=10)).date())
    lot = make_lot()
    session = make_session(patient, derm)
    _record(session, lot, now_utc() - timedelta(minutes=5), derm)
    assert _paused_products(patient) == {"Vitamin C 15% Serum", "Retinol 0.3% Night Serum"}
    record = db.session.scalar(sa.select(AftercareRecord).where(AftercareRecord.patient_id == patient.id))
    assert record.session_ref == f"treatment:{session.id}"

    _record(session, lot, now_utc() - timedelta(minutes=4), derm)  # a second draft save
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AftercareRecord)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoutineWindow)) == len(
        session.procedure.aftercare_rules
    )


def test_a_session_entered_after_its_aftercare_ended_leaves_the_routine_alone(app):
    patient = make_patient()
    derm = make_user("dermatologist")
    make_routine(patient, AGING_STEPS, starts_on=(now_utc() - timedelta(days=60)).date())
    session = make_session(patient, derm)
    session.started_at = now_utc() - timedelta(days=30, hours=2)
    _record(session, make_lot(), now_utc() - timedelta(days=30), derm)
    assert _paused_products(patient) == set()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AftercareRecord)) == 0
