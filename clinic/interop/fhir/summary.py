"""What the human-readable summary of a patient's whole record shows: streamed queries the template walks.

Each entry is a zero-argument callable returning an iterator, so the template reads rows in batches
(`yield_per`) while it renders into the ZIP, never the whole history at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from clinic.clinics.models import Clinic
from clinic.consents.models import Consent
from clinic.db import now_utc
from clinic.extensions import db
from clinic.interop.fhir.access_log import ACCESS_WORDS, access_log_query
from clinic.interop.fhir.record import BATCH
from clinic.patients.models import CONCERNS, SEXES, MedicalHistory, Patient
from clinic.photos.models import Photo
from clinic.reminders.models import OutboxMessage
from clinic.routines.models import AdherenceLog, Routine, RoutineStep
from clinic.scheduling.models import Appointment
from clinic.treatments.amendments import current_value
from clinic.treatments.models import Amendment, OutcomeScore, SessionProduct, TreatmentSession
from clinic.treatments.scores import CHECKPOINTS, SCALES

#: Bookkeeping columns of the medical history that mean nothing to the patient.
HISTORY_HIDDEN = {"patient_id", "version", "confirmed_by_id", "created_at", "updated_at"}


def _rows(statement) -> Callable[[], Iterator]:
    return lambda: iter(db.session.scalars(statement.execution_options(yield_per=BATCH)))


def _adherence(patient_id: int) -> Callable[[], Iterator]:
    """(step id, done, skipped, first day, last day) per routine step."""
    done = sa.func.sum(sa.case((AdherenceLog.status == "done", 1), else_=0))
    skipped = sa.func.sum(sa.case((AdherenceLog.status == "skipped", 1), else_=0))
    query = (
        sa.select(
            AdherenceLog.step_id,
            done,
            skipped,
            sa.func.min(AdherenceLog.local_date),
            sa.func.max(AdherenceLog.local_date),
        )
        .where(AdherenceLog.patient_id == patient_id)
        .group_by(AdherenceLog.step_id)
    )
    return lambda: {row[0]: row[1:] for row in db.session.execute(query)}


def summary_context(patient: Patient, photo_names: dict[int, str]) -> dict:
    pid = patient.id
    history_columns = [c.key for c in MedicalHistory.__table__.columns if c.key not in HISTORY_HIDDEN]
    return {
        "patient": patient,
        "patient_clinic_name": db.session.get(Clinic, patient.clinic_id).name,
        "now": now_utc(),
        "exported_at": now_utc(),
        "history": db.session.get(MedicalHistory, pid),
        "history_columns": history_columns,
        "sexes": SEXES,
        "concern_labels": CONCERNS,
        "scales": SCALES,
        "checkpoints": CHECKPOINTS,
        "words": ACCESS_WORDS,
        "current_value": current_value,
        "photo_names": photo_names,
        "appointments": _rows(
            sa.select(Appointment)
            .where(Appointment.patient_id == pid)
            .options(joinedload(Appointment.appointment_type), joinedload(Appointment.provider))
            .order_by(Appointment.starts_at)
        ),
        "sessions": _rows(
            sa.select(TreatmentSession)
            .where(TreatmentSession.patient_id == pid)
            .options(
                joinedload(TreatmentSession.procedure),
                joinedload(TreatmentSession.provider),
                joinedload(TreatmentSession.signed_by),
                selectinload(TreatmentSession.areas),
                selectinload(TreatmentSession.products).joinedload(SessionProduct.lot),
                selectinload(TreatmentSession.products).joinedload(SessionProduct.product),
                selectinload(TreatmentSession.amendments).joinedload(Amendment.author),
            )
            .order_by(TreatmentSession.started_at)
        ),
        "consents": _rows(sa.select(Consent).where(Consent.patient_id == pid).order_by(Consent.signed_at)),
        "scores": _rows(
            sa.select(OutcomeScore)
            .where(OutcomeScore.patient_id == pid)
            .order_by(OutcomeScore.recorded_on, OutcomeScore.id)
        ),
        "routines": _rows(
            sa.select(Routine)
            .where(Routine.patient_id == pid)
            .options(selectinload(Routine.steps).joinedload(RoutineStep.product))
            .order_by(Routine.starts_on)
        ),
        "adherence": _adherence(pid),
        "reminders": _rows(
            sa.select(OutboxMessage)
            .where(OutboxMessage.patient_id == pid, OutboxMessage.status == "sent")
            .order_by(OutboxMessage.sent_at)
        ),
        "photos": _rows(sa.select(Photo).where(Photo.patient_id == pid).order_by(Photo.taken_on, Photo.id)),
        "access_log": lambda: iter(db.session.execute(access_log_query(pid).execution_options(yield_per=BATCH))),
    }
