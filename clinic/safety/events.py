"""Adverse events: recorded by a clinician for a session, or classified from a patient's problem report; each
names the session, its procedure, and the products and lots involved, with seriousness and outcome."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from clinic.audit.services import record
from clinic.auth.models import User
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.routines.problems import ProblemReport
from clinic.safety.models import OUTCOMES, SERIOUSNESS, AdverseEvent, AdverseEventLot
from clinic.treatments.models import SessionProduct, TreatmentSession
from clinic.validation import Invalid


def _zone(clinic_id: int):
    return db.session.get(Clinic, clinic_id).zone


def patient_sessions(patient_id: int) -> list[TreatmentSession]:
    """The patient's sessions with their products and lots, newest first (what an event can name)."""
    return list(
        db.session.scalars(
            sa.select(TreatmentSession)
            .where(TreatmentSession.patient_id == patient_id)
            .options(
                selectinload(TreatmentSession.products).selectinload(SessionProduct.lot),
                selectinload(TreatmentSession.procedure),
            )
            .order_by(TreatmentSession.started_at.desc())
            .limit(50)
        )
    )


def record_event(
    patient: Patient,
    *,
    session: TreatmentSession | None,
    description: str,
    onset_on: date,
    seriousness: str,
    outcome: str,
    action_taken: str | None,
    lot_ids: list[int],
    by: User,
    report: ProblemReport | None = None,
) -> AdverseEvent:
    """Record the event with the session's product uses it names (`lot_ids`, a subset of the session's lots)."""
    problems = {}
    if len((description or "").strip()) < 3:
        problems["description"] = "Describe what happened."
    if seriousness not in SERIOUSNESS:
        problems["seriousness"] = "Choose how serious the event is."
    if outcome not in OUTCOMES:
        problems["outcome"] = "Choose the outcome so far."
    if session is not None and session.patient_id != patient.id:
        problems["session_id"] = "Choose one of this patient's sessions."
    uses = {p.lot_id: p for p in session.products} if session is not None else {}
    if set(lot_ids) - set(uses):
        problems["lot_ids"] = "Choose lots used in the chosen session."
    if session is not None and onset_on < session.started_at.astimezone(_zone(patient.clinic_id)).date():
        problems["onset_on"] = "The event cannot start before the session."
    if report is not None and db.session.scalar(
        sa.select(AdverseEvent.id).where(AdverseEvent.problem_report_id == report.id)
    ):
        problems["description"] = "This report is already classified as an adverse event."
    if problems:
        raise Invalid(problems)
    event = AdverseEvent(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        session_id=session.id if session else None,
        procedure_id=session.procedure_id if session else None,
        problem_report_id=report.id if report else None,
        description=description.strip(),
        onset_on=onset_on,
        seriousness=seriousness,
        outcome=outcome,
        action_taken=(action_taken or "").strip() or None,
        recorded_by_id=by.id,
    )
    event.lots = [AdverseEventLot(product_id=uses[i].product_id, lot_id=i) for i in sorted(set(lot_ids))]
    db.session.add(event)
    db.session.flush()
    record(
        "adverse_event.record",
        patient_id=patient.id,
        object_type="adverse_event",
        object_id=event.id,
        user=by,
        detail=f"{seriousness}" + (f", from problem report {report.id}" if report else ""),
    )
    return event


def clinic_events(clinic_id: int, limit: int = 200) -> list[AdverseEvent]:
    return list(
        db.session.scalars(
            sa.select(AdverseEvent)
            .where(AdverseEvent.clinic_id == clinic_id)
            .options(selectinload(AdverseEvent.patient), selectinload(AdverseEvent.procedure))
            .order_by(AdverseEvent.onset_on.desc(), AdverseEvent.id.desc())
            .limit(limit)
        )
    )
