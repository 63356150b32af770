"""Scoped lookups for scheduling: out-of-scope objects are not found (404, audited)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import selectinload

from clinic.access import scoped_get
from clinic.auth.models import User
from clinic.extensions import db
from clinic.roles import CLINICAL_STAFF
from clinic.scheduling.models import (
    Appointment,
    AppointmentType,
    Room,
    Series,
    TimeOff,
    WaitlistEntry,
    WorkingHours,
)


def get_appointment(appointment_id: int) -> Appointment:
    """The appointment if it is in the user's clinic and, for a patient, their own; otherwise 404."""
    return scoped_get(
        Appointment,
        appointment_id,
        selectinload(Appointment.patient),
        selectinload(Appointment.provider),
        selectinload(Appointment.room),
        selectinload(Appointment.appointment_type),
        selectinload(Appointment.series),
    )


def get_series(series_id: int) -> Series:
    return scoped_get(Series, series_id)


def get_appointment_type(type_id: int | None) -> AppointmentType:
    """An appointment type of the user's clinic (patients book them too)."""
    return scoped_get(AppointmentType, type_id, clinic_wide=True)


def get_clinic_row(model: type[Room] | type[TimeOff] | type[WorkingHours], row_id: int):
    """A room, time-off or working-hours row of the user's clinic (admin pages); otherwise 404."""
    return scoped_get(model, row_id)


def get_provider(provider_id: int | None) -> User:
    """A dermatologist or aesthetician of the user's clinic (patients choose one when booking)."""
    return scoped_get(User, provider_id, where=[User.role.in_([r.value for r in CLINICAL_STAFF])], clinic_wide=True)


def get_waitlist_entry(entry_id: int) -> WaitlistEntry:
    """A waitlist entry of the user's clinic; for a patient, only their own."""
    return scoped_get(WaitlistEntry, entry_id)


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


def clinic_rooms() -> list[Room]:
    """The user's clinic's active rooms: the day view's columns when it shows rooms."""
    return list(
        db.session.scalars(
            sa.select(Room).where(Room.clinic_id == current_user.clinic_id, Room.active.is_(True)).order_by(Room.name)
        )
    )
