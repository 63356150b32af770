"""Scoped lookups for scheduling: out-of-scope objects are not found (404, audited)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import selectinload

from clinic.access import deny
from clinic.auth.models import User
from clinic.auth.roles import CLINICAL_STAFF, Role
from clinic.extensions import db
from clinic.scheduling.models import Appointment, AppointmentType, Room, Series, TimeOff, WorkingHours


def get_appointment(appointment_id: int) -> Appointment:
    """The appointment if it is in the user's clinic and, for a patient, their own; otherwise 404."""
    query = (
        sa.select(Appointment)
        .where(Appointment.id == appointment_id, Appointment.clinic_id == current_user.clinic_id)
        .options(
            selectinload(Appointment.patient),
            selectinload(Appointment.provider),
            selectinload(Appointment.room),
            selectinload(Appointment.appointment_type),
            selectinload(Appointment.series),
        )
    )
    if current_user.role == Role.PATIENT:
        query = query.where(Appointment.patient_id == current_user.patient_id)
    appointment = db.session.scalar(query)
    if appointment is None:
        deny(404, detail=f"appointment {appointment_id} out of scope")
    return appointment


def get_series(series_id: int) -> Series:
    query = sa.select(Series).where(Series.id == series_id, Series.clinic_id == current_user.clinic_id)
    if current_user.role == Role.PATIENT:
        query = query.where(Series.patient_id == current_user.patient_id)
    series = db.session.scalar(query)
    if series is None:
        deny(404, detail=f"series {series_id} out of scope")
    return series


def get_appointment_type(type_id: int | None) -> AppointmentType:
    kind = (
        db.session.scalar(
            sa.select(AppointmentType).where(
                AppointmentType.id == type_id, AppointmentType.clinic_id == current_user.clinic_id
            )
        )
        if type_id
        else None
    )
    if kind is None:
        deny(404, detail=f"appointment type {type_id} out of scope")
    return kind


def get_clinic_row(model: type[Room] | type[TimeOff] | type[WorkingHours], row_id: int):
    """A room, time-off or working-hours row of the user's clinic (admin pages); otherwise 404."""
    row = db.session.scalar(sa.select(model).where(model.id == row_id, model.clinic_id == current_user.clinic_id))
    if row is None:
        deny(404, detail=f"{model.__tablename__} {row_id} out of scope")
    return row


def get_provider(provider_id: int | None) -> User:
    provider = (
        db.session.scalar(
            sa.select(User).where(
                User.id == provider_id,
                User.clinic_id == current_user.clinic_id,
                User.role.in_([r.value for r in CLINICAL_STAFF]),
            )
        )
        if provider_id
        else None
    )
    if provider is None:
        deny(404, detail=f"provider {provider_id} out of scope")
    return provider


def clinic_providers() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.clinic_id == current_user.clinic_id,
                User.active.is_(True),
                User.role.in_([r.value for r in CLINICAL_STAFF]),
            )
            .order_by(User.full_name, User.id)
        )
    )


def clinic_types(active_only: bool = True) -> list[AppointmentType]:
    query = sa.select(AppointmentType).where(AppointmentType.clinic_id == current_user.clinic_id)
    if active_only:
        query = query.where(AppointmentType.active.is_(True))
    return list(db.session.scalars(query.order_by(AppointmentType.name, AppointmentType.id)))
