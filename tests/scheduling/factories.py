"""Scheduling factories: a clinic's catalog, rooms, appointment types and providers with working hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from clinic.catalog.defaults import install_defaults
from clinic.catalog.models import Procedure, Protocol
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.scheduling.models import AppointmentType, Room, TimeOff, WorkingHours
from tests.factories import default_clinic, make_user

WEEKDAY_HOURS = [(time(9), time(12, 30)), (time(13, 30), time(17))]  # a lunch break


def make_room(clinic: Clinic | None = None, name: str | None = None) -> Room:
    clinic = clinic or default_clinic()
    count = db.session.scalar(sa.select(sa.func.count(Room.id)))
    room = Room(clinic_id=clinic.id, name=name or f"Room {count + 1}")
    db.session.add(room)
    db.session.flush()
    return room


def procedure(clinic: Clinic, code: str = "microneedling_exosome") -> Procedure:
    install_defaults(clinic)
    return db.session.scalar(sa.select(Procedure).filter_by(clinic_id=clinic.id, code=code))


def protocol_for(proc: Procedure) -> Protocol:
    return db.session.scalar(sa.select(Protocol).where(Protocol.procedure_id == proc.id))


def make_type(
    clinic: Clinic | None = None,
    *,
    code: str = "microneedling_exosome",
    duration: int = 60,
    buffer: int = 15,
    role: str = "aesthetician",
) -> AppointmentType:
    clinic = clinic or default_clinic()
    proc = procedure(clinic, code)
    kind = AppointmentType(
        clinic_id=clinic.id,
        procedure_id=proc.id,
        name=proc.name,
        duration_minutes=duration,
        buffer_minutes=buffer,
        performer_role=role,
    )
    db.session.add(kind)
    db.session.flush()
    return kind


def make_provider(
    role: str = "aesthetician",
    clinic: Clinic | None = None,
    *,
    weekdays=range(5),
    hours=WEEKDAY_HOURS,
    **kwargs,
):
    clinic = clinic or default_clinic()
    user = make_user(role, clinic=clinic, **kwargs)
    for weekday in weekdays:
        for starts, ends in hours:
            db.session.add(
                WorkingHours(clinic_id=clinic.id, provider_id=user.id, weekday=weekday, starts=starts, ends=ends)
            )
    db.session.flush()
    return user


def make_time_off(clinic: Clinic, starts: datetime, ends: datetime, provider=None, reason: str = "Holiday") -> TimeOff:
    off = TimeOff(
        clinic_id=clinic.id,
        provider_id=provider.id if provider else None,
        starts_at=starts,
        ends_at=ends,
        reason=reason,
    )
    db.session.add(off)
    db.session.flush()
    return off


def at(day: date, hour: int, minute: int = 0, clinic: Clinic | None = None) -> datetime:
    """A clinic-local wall-clock time as a UTC instant."""
    zone = ZoneInfo((clinic or default_clinic()).timezone)
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def setup_clinic(timezone: str = "America/New_York"):
    """A clinic with two rooms, one aesthetician, one dermatologist and a microneedling type."""
    clinic = default_clinic()
    clinic.timezone = timezone
    make_room(clinic, "Room A")
    make_room(clinic, "Room B")
    aesthetician = make_provider("aesthetician", clinic)
    dermatologist = make_provider("dermatologist", clinic)
    kind = make_type(clinic)
    return clinic, aesthetician, dermatologist, kind
