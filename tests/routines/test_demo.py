"""Demo routines: 6 portal patients, 60 days of realistic history, one recent microneedling; idempotent."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from clinic.demo import PORTAL_PATIENTS, seed
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.routines.models import AdherenceLog, AftercareRecord, Routine
from clinic.routines.services import day_plan
from clinic.routines.stats import adherence_pct, adherence_series

TODAY = date(2026, 11, 26)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_demo_seeds_routines_with_history_once(app):
    seed(TODAY)
    db.session.commit()
    routines, logs = _count(Routine), _count(AdherenceLog)
    portal_ids = set(db.session.scalars(sa.select(Patient.id).order_by(Patient.id).limit(PORTAL_PATIENTS)))
    portal_ids |= set(db.session.scalars(sa.select(Patient.id).where(Patient.language == "es")))  # Lucía
    with_routine = set(db.session.scalars(sa.select(Routine.patient_id)))
    assert portal_ids <= with_routine
    # Any other routine only hosts recovery steps after a recent in-office session (treatments demo).
    for patient_id in with_routine - portal_ids:
        refs = db.session.scalars(
            sa.select(AftercareRecord.session_ref).where(AftercareRecord.patient_id == patient_id)
        )
        assert any(ref and ref.startswith("treatment:") for ref in refs)
    first, last = db.session.execute(
        sa.select(sa.func.min(AdherenceLog.local_date), sa.func.max(AdherenceLog.local_date))
    ).one()
    assert (TODAY - first).days == 60 and (TODAY - last).days == 1
    for patient_id in portal_ids:
        pct = adherence_pct(adherence_series(patient_id, TODAY - timedelta(days=1), 30))
        assert pct is not None and 30 <= pct <= 100
    patient = db.session.get(Patient, db.session.scalar(sa.select(AftercareRecord.patient_id)))
    assert any(p.pause for slot in day_plan(patient, TODAY).slots.values() for p in slot)
    seed(TODAY)
    db.session.commit()
    assert (_count(Routine), _count(AdherenceLog)) == (routines, logs)


def test_demo_pages_render_for_the_first_portal_patient_and_staff(app):
    from clinic.auth.models import User
    from clinic.demo import DEMO_PASSWORD
    from tests.fixtures.users import login

    seed(date.today())
    db.session.commit()
    patient_id = db.session.scalar(sa.select(AftercareRecord.patient_id))
    patient_user = db.session.scalar(sa.select(User).where(User.patient_id == patient_id))
    client = app.test_client()
    login(client, patient_user, DEMO_PASSWORD)
    for url in ("/portal/today", "/portal/history", "/portal/aftercare", "/portal/reminders"):
        assert client.get(url).status_code == 200, url
    assert "Paused until" in client.get("/portal/today").text
    staff = app.test_client()
    login(staff, db.session.scalar(sa.select(User).where(User.email == "sofia@lumen.example")), DEMO_PASSWORD)
    assert "Paused until" in staff.get(f"/patients/{patient_id}/routine").text
    assert staff.get("/routines/adherence").text.count('/routine"') >= 6
