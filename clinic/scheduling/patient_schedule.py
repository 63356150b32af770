"""One patient's appointments and series, as the chart and the portal show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.scheduling.models import Appointment, AppointmentType, Series


@dataclass
class PatientSchedule:
    upcoming: list[Appointment]
    past: list[Appointment]
    series: list[Series]


def patient_schedule(patient: Patient, now: datetime | None = None, past_limit: int = 20) -> PatientSchedule:
    now = now or datetime.now(UTC)
    base = (
        sa.select(Appointment)
        .where(Appointment.patient_id == patient.id)
        .options(
            joinedload(Appointment.provider),
            joinedload(Appointment.room),
            joinedload(Appointment.appointment_type).joinedload(AppointmentType.procedure),
        )
    )
    upcoming = (
        db.session.scalars(
            base.where(Appointment.starts_at >= now, Appointment.status.in_(("booked", "checked_in"))).order_by(
                Appointment.starts_at
            )
        )
        .unique()
        .all()
    )
    past = (
        db.session.scalars(
            base.where(sa.or_(Appointment.starts_at < now, Appointment.status.notin_(("booked", "checked_in"))))
            .order_by(Appointment.starts_at.desc())
            .limit(past_limit)
        )
        .unique()
        .all()
    )
    series = db.session.scalars(
        sa.select(Series)
        .where(Series.patient_id == patient.id)
        .options(
            selectinload(Series.protocol),
            selectinload(Series.appointment_type),
            selectinload(Series.appointments),
        )
        .order_by(Series.created_at.desc(), Series.id.desc())
    ).all()
    return PatientSchedule(list(upcoming), list(past), list(series))
