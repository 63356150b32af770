"""Reading the schedule: appointments of a day or a week, for one provider or the whole clinic."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from clinic.auth.models import User
from clinic.extensions import db
from clinic.scheduling.models import Appointment, AppointmentType


def appointments_between(
    clinic_id: int, first_day: date, last_day: date, provider_id: int | None = None
) -> list[Appointment]:
    """Every appointment on the clinic's local dates first_day..last_day, with what a calendar shows.

    One query whatever the number of appointments: patient, provider, room, type and procedure are joined.
    """
    query = (
        sa.select(Appointment)
        .where(
            Appointment.clinic_id == clinic_id,
            Appointment.local_date >= first_day,
            Appointment.local_date <= last_day,
        )
        .options(
            joinedload(Appointment.patient),
            joinedload(Appointment.provider),
            joinedload(Appointment.room),
            joinedload(Appointment.series),
            joinedload(Appointment.appointment_type).joinedload(AppointmentType.procedure),
        )
        .order_by(Appointment.starts_at, Appointment.id)
    )
    if provider_id is not None:
        query = query.where(Appointment.provider_id == provider_id)
    return list(db.session.scalars(query).unique())


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def by_day(appointments: list[Appointment], first_day: date, days: int) -> list[tuple[date, list[Appointment]]]:
    grouped: dict[date, list[Appointment]] = defaultdict(list)
    for appointment in appointments:
        grouped[appointment.local_date].append(appointment)
    return [(first_day + timedelta(days=i), grouped[first_day + timedelta(days=i)]) for i in range(days)]


def by_provider(appointments: list[Appointment], providers: list[User]) -> list[tuple[User, list[Appointment]]]:
    """One column per provider, in the given order, then any other provider who has an appointment
    (one since deactivated, say): the day view's columns, built in memory from the one query above."""
    grouped: dict[int, list[Appointment]] = defaultdict(list)
    extra: dict[int, User] = {}
    known = {p.id for p in providers}
    for appointment in appointments:
        grouped[appointment.provider_id].append(appointment)
        if appointment.provider_id not in known:
            extra.setdefault(appointment.provider_id, appointment.provider)
    return [(p, grouped[p.id]) for p in [*providers, *extra.values()]]


def with_extra_providers(appointments: list[Appointment], providers: list[User]) -> list[User]:
    """The clinic's providers, then anyone else with an appointment that day (one since deactivated, say)."""
    return [person for person, _ in by_provider(appointments, providers)]
