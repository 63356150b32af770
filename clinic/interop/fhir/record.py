"""Everything the clinic holds, as FHIR resources, streamed row by row: for one patient ($everything, the
portal's "Download my data") or for the whole clinic (`flask fhir export`).

Rows are read with `yield_per`, so memory stays bounded by one batch (plus one routine's adherence log),
however long a patient's history is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from fhir.resources.R4B.resource import Resource
from sqlalchemy.orm import joinedload, selectinload

from clinic.auth.models import User
from clinic.catalog.models import ProductLot
from clinic.clinics.models import Clinic
from clinic.consents.models import Consent
from clinic.db import now_utc
from clinic.extensions import db
from clinic.interop.fhir import clinical
from clinic.interop.fhir import resources as build
from clinic.interop.fhir.access_log import ACCESS_WORDS, access_log_query
from clinic.patients.models import Patient
from clinic.photos.models import Photo
from clinic.reminders.models import OutboxMessage
from clinic.roles import Role
from clinic.routines.models import AdherenceLog, Routine, RoutineStep
from clinic.scheduling.models import Appointment
from clinic.treatments.models import Amendment, OutcomeScore, SessionProduct, TreatmentSession

BATCH = 200


@dataclass
class Scope:
    """Whose records: one clinic, and within it one patient or (patient_id None) all of them."""

    clinic_id: int
    patient_id: int | None = None
    #: The patient's own download adds the staff accesses they may see ("who viewed my record").
    access_log: bool = False
    #: Photo id -> the file's path inside a ZIP, when the photos travel with the resources.
    photo_urls: dict[int, str] = field(default_factory=dict)
    now: datetime = field(default_factory=now_utc)
    practitioners: set[int] = field(default_factory=set)
    lots: set[int] = field(default_factory=set)

    def mine(self, model) -> list:
        """The WHERE clause that keeps `model`'s rows inside this scope."""
        where = [model.clinic_id == self.clinic_id]
        if self.patient_id is not None:
            where.append((model.id if model is Patient else model.patient_id) == self.patient_id)
        return where

    def staff(self, *ids: int | None) -> None:
        self.practitioners.update(i for i in ids if i)


def _stream(statement) -> Iterator:
    return iter(db.session.scalars(statement.execution_options(yield_per=BATCH)))


def resources(scope: Scope) -> Iterator[Resource]:
    """Every resource in `scope`, the people and lots they refer to last (so they are all referenced)."""
    clinic = db.session.get(Clinic, scope.clinic_id)
    yield build.organization(clinic)
    yield from _patients(scope)
    yield from _appointments(scope)
    yield from _sessions(scope)
    yield from _scores(scope)
    yield from _routines(scope, datetime.now(clinic.zone).date())
    yield from (clinical.consent(c, scope.now) for c in _stream(sa.select(Consent).where(*scope.mine(Consent))))
    photos = sa.select(Photo).where(*scope.mine(Photo)).order_by(Photo.taken_on, Photo.id)
    yield from (build.media(p, scope.photo_urls.get(p.id)) for p in _stream(photos))
    sent = sa.select(OutboxMessage).where(*scope.mine(OutboxMessage), OutboxMessage.status == "sent")
    yield from (build.communication(m) for m in _stream(sent.order_by(OutboxMessage.id)))
    if scope.access_log and scope.patient_id is not None:
        yield from _access_log(scope)
    yield from _lots(scope)
    yield from _practitioners(scope)


def _patients(scope: Scope) -> Iterator[Resource]:
    query = sa.select(Patient).where(*scope.mine(Patient)).order_by(Patient.id)
    for patient in _stream(query.options(selectinload(Patient.concern_rows), selectinload(Patient.history))):
        yield build.patient(patient)
        if (observation := build.fitzpatrick(patient)) is not None:
            yield observation
        if patient.history is not None:
            scope.staff(patient.history.confirmed_by_id)
            yield build.medical_history(patient.history, patient)


def _appointments(scope: Scope) -> Iterator[Resource]:
    query = sa.select(Appointment).where(*scope.mine(Appointment)).order_by(Appointment.starts_at, Appointment.id)
    for row in _stream(query.options(joinedload(Appointment.appointment_type), joinedload(Appointment.room))):
        scope.staff(row.provider_id)
        yield build.appointment(row)


def _sessions(scope: Scope) -> Iterator[Resource]:
    query = (
        sa.select(TreatmentSession)
        .where(*scope.mine(TreatmentSession))
        .order_by(TreatmentSession.started_at, TreatmentSession.id)
        .options(
            joinedload(TreatmentSession.procedure),
            joinedload(TreatmentSession.provider),
            joinedload(TreatmentSession.assistant),
            joinedload(TreatmentSession.signed_by),
            selectinload(TreatmentSession.areas),
            selectinload(TreatmentSession.injection_sites),
            selectinload(TreatmentSession.products).joinedload(SessionProduct.product),
            selectinload(TreatmentSession.products).joinedload(SessionProduct.lot),
            selectinload(TreatmentSession.amendments).joinedload(Amendment.author),
        )
    )
    for session in _stream(query):
        scope.staff(session.provider_id, session.assistant_id, session.signed_by_id)
        scope.staff(*(a.author_id for a in session.amendments))
        scope.lots.update(p.lot_id for p in session.products)
        yield clinical.procedure(session)
        if (event := clinical.adverse_event(session)) is not None:
            yield event


def _scores(scope: Scope) -> Iterator[Resource]:
    query = sa.select(OutcomeScore).where(*scope.mine(OutcomeScore))
    for score in _stream(query.order_by(OutcomeScore.recorded_on, OutcomeScore.id)):
        scope.staff(score.recorded_by_id)
        yield clinical.outcome_score(score)


def _routines(scope: Scope, today) -> Iterator[Resource]:
    query = sa.select(Routine).where(*scope.mine(Routine)).order_by(Routine.id)
    for routine in _stream(query.options(selectinload(Routine.steps).joinedload(RoutineStep.product))):
        scope.staff(routine.created_by_id)
        logs = db.session.scalars(
            sa.select(AdherenceLog)
            .join(RoutineStep, RoutineStep.id == AdherenceLog.step_id)
            .where(RoutineStep.routine_id == routine.id)
            .order_by(AdherenceLog.local_date, AdherenceLog.id)
        ).all()
        yield clinical.care_plan(routine, logs, today)


def _access_log(scope: Scope) -> Iterator[Resource]:
    rows = db.session.execute(access_log_query(scope.patient_id).execution_options(yield_per=BATCH))
    for event, who in rows:
        yield build.audit_event(event, who, ACCESS_WORDS.get(event.action, event.action))


def _lots(scope: Scope) -> Iterator[Resource]:
    query = sa.select(ProductLot).where(ProductLot.clinic_id == scope.clinic_id).order_by(ProductLot.id)
    if scope.patient_id is not None:
        query = query.where(ProductLot.id.in_(scope.lots or {0}))
    yield from (build.medication(lot) for lot in _stream(query))


def _practitioners(scope: Scope) -> Iterator[Resource]:
    query = sa.select(User).where(User.clinic_id == scope.clinic_id, User.role != Role.PATIENT.value)
    if scope.patient_id is not None:
        query = query.where(User.id.in_(scope.practitioners or {0}))
    yield from (build.practitioner(user) for user in _stream(query.order_by(User.id)))
