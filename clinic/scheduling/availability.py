"""When providers and rooms are free: working hours, time off, existing bookings, and the free-slot finder.

Working hours are local wall-clock times of the clinic; every instant is computed with zoneinfo, so a
09:00 start is 14:00 UTC in January and 13:00 UTC in July (America/New_York).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from clinic.auth.models import User
from clinic.extensions import db
from clinic.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentType,
    Room,
    TimeOff,
    WorkingHours,
)

MAX_SEARCH_DAYS = 62
SLOT_STEP_MINUTES = 15


@dataclass(frozen=True)
class Slot:
    provider_id: int
    room_id: int
    starts_at: datetime
    ends_at: datetime


def local_instant(day: date, clock: time, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall-clock time, or None when that time does not exist (spring forward)."""
    naive = datetime.combine(day, clock)
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return aware.astimezone(UTC)


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC start and end of a local calendar day (23 or 25 hours long on DST change days)."""
    start = datetime.combine(day, time()).replace(tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time()).replace(tzinfo=zone).astimezone(UTC)
    return start, end


def within_working_hours(provider_id: int, starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> bool:
    """True when [starts_at, ends_at) fits inside one of the provider's intervals on that local day."""
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    if end.date() != start.date() and end.time() != time():
        return False
    end_clock = time.max if end.date() != start.date() else end.time()
    intervals = db.session.scalars(
        sa.select(WorkingHours).where(WorkingHours.provider_id == provider_id, WorkingHours.weekday == start.weekday())
    ).all()
    return any(h.starts <= start.time() and end_clock <= h.ends for h in intervals)


def time_off_overlapping(clinic_id: int, provider_id: int, starts_at: datetime, ends_at: datetime) -> TimeOff | None:
    """The provider's time off or a clinic holiday overlapping the range, if any."""
    return db.session.scalars(
        sa.select(TimeOff)
        .where(
            TimeOff.clinic_id == clinic_id,
            sa.or_(TimeOff.provider_id == provider_id, TimeOff.provider_id.is_(None)),
            TimeOff.starts_at < ends_at,
            TimeOff.ends_at > starts_at,
        )
        .limit(1)
    ).first()


def _overlapping(column, value: int, starts_at: datetime, blocks_until: datetime, exclude_id: int | None):
    query = sa.select(Appointment.id).where(
        column == value,
        Appointment.status.in_(ACTIVE_STATUSES),
        Appointment.starts_at < blocks_until,
        Appointment.blocks_until > starts_at,
    )
    if exclude_id is not None:
        query = query.where(Appointment.id != exclude_id)
    return db.session.scalar(query.limit(1))


def provider_busy(provider_id: int, starts_at: datetime, blocks_until: datetime, exclude_id: int | None = None) -> bool:
    return _overlapping(Appointment.provider_id, provider_id, starts_at, blocks_until, exclude_id) is not None


def room_busy(room_id: int, starts_at: datetime, blocks_until: datetime, exclude_id: int | None = None) -> bool:
    return _overlapping(Appointment.room_id, room_id, starts_at, blocks_until, exclude_id) is not None


def patient_overlap(
    patient_id: int, starts_at: datetime, ends_at: datetime, exclude_id: int | None = None
) -> Appointment | None:
    """The patient's active appointment overlapping [starts_at, ends_at), if any.

    A patient is held from start to end (the buffer after is the room's and provider's cleanup time).
    """
    query = sa.select(Appointment).where(
        Appointment.patient_id == patient_id,
        Appointment.status.in_(ACTIVE_STATUSES),
        Appointment.starts_at < ends_at,
        Appointment.ends_at > starts_at,
    )
    if exclude_id is not None:
        query = query.where(Appointment.id != exclude_id)
    return db.session.scalars(query.order_by(Appointment.starts_at).limit(1)).first()


def capable_rooms(clinic_id: int, capability: str | None) -> list[Room]:
    """The clinic's rooms in use that can host `capability` (any room when None), by name."""
    rooms = db.session.scalars(
        sa.select(Room).where(Room.clinic_id == clinic_id, Room.active.is_(True)).order_by(Room.name, Room.id)
    ).all()
    return [r for r in rooms if r.can_host(capability)]


def free_room(
    clinic_id: int,
    starts_at: datetime,
    blocks_until: datetime,
    exclude_id: int | None = None,
    capability: str | None = None,
) -> Room | None:
    rooms = capable_rooms(clinic_id, capability)
    return next((r for r in rooms if not room_busy(r.id, starts_at, blocks_until, exclude_id)), None)


def eligible_providers(clinic_id: int, role: str, provider_ids: list[int] | None = None) -> list[User]:
    query = sa.select(User).where(User.clinic_id == clinic_id, User.role == role, User.active.is_(True))
    if provider_ids:
        query = query.where(User.id.in_(provider_ids))
    return list(db.session.scalars(query.order_by(User.full_name, User.id)))


class _Busy:
    """Busy ranges per provider and per room (and of one patient), loaded once for a search window."""

    def __init__(
        self,
        clinic_id: int,
        provider_ids: list[int],
        start: datetime,
        end: datetime,
        patient_id: int | None = None,
    ) -> None:
        self.provider: dict[int | None, list[tuple[datetime, datetime]]] = defaultdict(list)
        self.room: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        self.patient: list[tuple[datetime, datetime]] = []
        rows = db.session.execute(
            sa.select(
                Appointment.provider_id,
                Appointment.room_id,
                Appointment.starts_at,
                Appointment.blocks_until,
                Appointment.patient_id,
                Appointment.ends_at,
            ).where(
                Appointment.clinic_id == clinic_id,
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.starts_at < end,
                Appointment.blocks_until > start,
            )
        ).all()
        for provider_id, room_id, s, e, row_patient_id, ends in rows:
            self.provider[provider_id].append((s, e))
            self.room[room_id].append((s, e))
            if patient_id is not None and row_patient_id == patient_id:
                self.patient.append((s, ends))
        for off in db.session.scalars(
            sa.select(TimeOff).where(TimeOff.clinic_id == clinic_id, TimeOff.starts_at < end, TimeOff.ends_at > start)
        ):
            for pid in [off.provider_id] if off.provider_id else provider_ids:
                self.provider[pid].append((off.starts_at, off.ends_at))

    @staticmethod
    def _clash(ranges, s: datetime, e: datetime) -> bool:
        return any(a < e and b > s for a, b in ranges)

    def provider_free(self, provider_id: int, s: datetime, e: datetime) -> bool:
        return not self._clash(self.provider[provider_id], s, e)

    def room_free(self, room_id: int, s: datetime, e: datetime) -> bool:
        return not self._clash(self.room[room_id], s, e)

    def patient_free(self, s: datetime, e: datetime) -> bool:
        return not self._clash(self.patient, s, e)


def find_free_slots(
    clinic,
    appointment_type: AppointmentType,
    first_day: date,
    last_day: date,
    *,
    provider_ids: list[int] | None = None,
    now: datetime | None = None,
    step_minutes: int = SLOT_STEP_MINUTES,
    patient_id: int | None = None,
) -> dict[User, list[Slot]]:
    """Open slots per provider for the type between two local dates (inclusive), earliest first.

    With `patient_id`, times when that patient already has an appointment are left out.
    """
    if last_day < first_day:
        raise ValueError("The end date is before the start date.")
    if (last_day - first_day).days > MAX_SEARCH_DAYS:
        raise ValueError(f"Search at most {MAX_SEARCH_DAYS} days at a time.")
    zone, now = clinic.zone, now or datetime.now(UTC)
    providers = eligible_providers(clinic.id, appointment_type.performer_role, provider_ids)
    ids = [p.id for p in providers]
    hours = defaultdict(list)
    for h in db.session.scalars(
        sa.select(WorkingHours).where(WorkingHours.provider_id.in_(ids)).order_by(WorkingHours.starts)
    ):
        hours[(h.provider_id, h.weekday)].append(h)
    rooms = [r.id for r in capable_rooms(clinic.id, appointment_type.required_capability)]
    window_start, _ = local_day_bounds(first_day, zone)
    _, window_end = local_day_bounds(last_day, zone)
    busy = _Busy(clinic.id, ids, window_start, window_end, patient_id)
    length = timedelta(minutes=appointment_type.duration_minutes)
    blocked = length + timedelta(minutes=appointment_type.buffer_minutes)
    result: dict[User, list[Slot]] = {}
    for provider in providers:
        slots: list[Slot] = []
        day = first_day
        while day <= last_day:
            for h in hours[(provider.id, day.weekday())]:
                slots += _interval_slots(provider.id, day, h, zone, length, blocked, step_minutes, now, busy, rooms)
            day += timedelta(days=1)
        result[provider] = slots
    return result


def _interval_slots(provider_id, day, hours, zone, length, blocked, step, now, busy, rooms) -> list[Slot]:
    slots = []
    clock = datetime.combine(day, hours.starts)
    close = datetime.combine(day, hours.ends)
    while clock + blocked <= close:
        start = local_instant(day, clock.time(), zone)
        if start is not None and start >= now:
            until = start + blocked
            if busy.provider_free(provider_id, start, until) and busy.patient_free(start, start + length):
                room = next((r for r in rooms if busy.room_free(r, start, until)), None)
                if room is not None:
                    slots.append(Slot(provider_id, room, start, start + length))
        clock += timedelta(minutes=step)
    return slots
