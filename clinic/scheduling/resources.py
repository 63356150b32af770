"""Managing what can be booked: rooms, appointment types, working hours and time off (admins)."""

from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa

from clinic.audit.services import record
from clinic.auth.models import User
from clinic.catalog.models import Procedure
from clinic.extensions import db
from clinic.scheduling.errors import SchedulingError
from clinic.scheduling.models import (
    CAPABILITIES,
    PERFORMER_ROLES,
    AppointmentType,
    Room,
    TimeOff,
    WorkingHours,
)


def _capabilities(values) -> list[str]:
    chosen = sorted(set(values or []))
    unknown = [c for c in chosen if c not in CAPABILITIES]
    if unknown:
        raise SchedulingError(f"Unknown room equipment: {', '.join(unknown)}.")
    return chosen


def add_room(clinic_id: int, name: str, capabilities=()) -> Room:
    name = name.strip()
    if db.session.scalar(sa.select(Room.id).where(Room.clinic_id == clinic_id, Room.name == name)):
        raise SchedulingError(f"There is already a room called {name}.")
    room = Room(clinic_id=clinic_id, name=name, capabilities=_capabilities(capabilities))
    db.session.add(room)
    db.session.flush()
    record("schedule.room_add", object_type="room", object_id=room.id, detail=f"{name} {','.join(room.capabilities)}")
    return room


def set_room_capabilities(room: Room, capabilities) -> Room:
    """What the room is equipped for; booked appointments stay where they are (staff move them if needed)."""
    room.capabilities = _capabilities(capabilities)
    db.session.flush()
    record("schedule.room_capabilities", object_type="room", object_id=room.id, detail=",".join(room.capabilities))
    return room


def set_type_capability(kind: AppointmentType, capability: str | None) -> AppointmentType:
    capability = capability or None
    if capability is not None and capability not in CAPABILITIES:
        raise SchedulingError("Choose what room the appointment type needs.")
    kind.required_capability = capability
    db.session.flush()
    record("schedule.type_capability", object_type="appointment_type", object_id=kind.id, detail=capability or "any")
    return kind


def add_appointment_type(
    clinic_id: int,
    *,
    procedure_id: int,
    name: str,
    duration_minutes: int,
    buffer_minutes: int,
    performer_role: str,
    required_capability: str | None = None,
) -> AppointmentType:
    procedure = db.session.scalar(
        sa.select(Procedure).where(Procedure.id == procedure_id, Procedure.clinic_id == clinic_id)
    )
    if procedure is None:
        raise SchedulingError("Choose one of the clinic's procedures.")
    if duration_minutes <= 0 or buffer_minutes < 0:
        raise SchedulingError("The duration must be positive and the buffer not negative.")
    if performer_role not in PERFORMER_ROLES:
        raise SchedulingError("Choose who performs it.")
    required_capability = required_capability or None
    if required_capability is not None and required_capability not in CAPABILITIES:
        raise SchedulingError("Choose what room it needs.")
    kind = AppointmentType(
        clinic_id=clinic_id,
        procedure_id=procedure.id,
        name=name.strip(),
        duration_minutes=duration_minutes,
        buffer_minutes=buffer_minutes,
        performer_role=performer_role,
        required_capability=required_capability,
    )
    db.session.add(kind)
    db.session.flush()
    record("schedule.type_add", object_type="appointment_type", object_id=kind.id, detail=kind.name)
    return kind


def add_working_hours(provider: User, weekday: int, starts: time, ends: time) -> WorkingHours:
    """Add an interval; intervals of one weekday may not overlap (a gap between them is a break)."""
    if starts >= ends:
        raise SchedulingError("The end is not after the start.")
    clash = db.session.scalar(
        sa.select(WorkingHours.id).where(
            WorkingHours.provider_id == provider.id,
            WorkingHours.weekday == weekday,
            WorkingHours.starts < ends,
            WorkingHours.ends > starts,
        )
    )
    if clash:
        raise SchedulingError("That overlaps working hours already set for this weekday.")
    hours = WorkingHours(
        clinic_id=provider.clinic_id, provider_id=provider.id, weekday=weekday, starts=starts, ends=ends
    )
    db.session.add(hours)
    db.session.flush()
    record("schedule.hours_add", object_type="user", object_id=provider.id, detail=f"{weekday} {starts}-{ends}")
    return hours


def add_time_off(clinic_id: int, provider: User | None, starts_at: datetime, ends_at: datetime, reason: str) -> TimeOff:
    if starts_at >= ends_at:
        raise SchedulingError("The end is not after the start.")
    off = TimeOff(
        clinic_id=clinic_id,
        provider_id=provider.id if provider else None,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason.strip(),
    )
    db.session.add(off)
    db.session.flush()
    record(
        "schedule.time_off_add",
        object_type="time_off",
        object_id=off.id,
        detail=f"{provider.full_name if provider else 'whole clinic'}: {reason}",
    )
    return off
