"""Demo schedules for `flask seed-demo`: working hours for the demo staff, rooms, appointment types, a clinic
holiday and a day off, past and future appointments and a few series at different stages (one due, one with
its window closing, one overdue, a no-show), so the calendars and the follow-up queue have something to show.
Idempotent: nothing is added when the clinic already has rooms."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from clinic.auth.models import User
from clinic.catalog.models import Procedure, Protocol
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.scheduling.availability import find_free_slots, local_instant
from clinic.scheduling.booking import book_appointment, change_status
from clinic.scheduling.models import (
    CAPABILITY_FOR_PROCEDURE_KIND,
    AppointmentType,
    Room,
    Series,
    TimeOff,
    WorkingHours,
)
from clinic.scheduling.series import start_series
from clinic.scheduling.series_rules import refresh_series, target_gap

ROOMS = {
    "Treatment room 1": ["microneedling", "injections"],
    "Treatment room 2": ["microneedling", "injections"],
    "Laser suite": ["laser"],
}
HOURS = {
    "aesthetician": [(range(5), time(9), time(12, 30)), (range(5), time(13, 30), time(17, 30))],
    "dermatologist": [(range(4), time(9), time(13)), (range(4), time(14), time(18))],
}
TYPES = [
    ("microneedling_exosome", 75, 15, "aesthetician"),
    ("laser_exosome", 60, 15, "dermatologist"),
    ("scalp_exosome_topical", 60, 15, "aesthetician"),
    ("scalp_exosome_injection", 45, 15, "dermatologist"),
]
# (patient index, procedure code, days since session 1, sessions done, book the next one?)
SERIES = [
    (0, "microneedling_exosome", 29, 1, False),
    (1, "microneedling_exosome", 70, 2, False),
    (2, "microneedling_exosome", 38, 1, False),
    (3, "microneedling_exosome", 100, 2, False),
    (4, "scalp_exosome_topical", 16, 2, True),
    (5, "laser_exosome", 60, 2, True),
    (6, "microneedling_exosome", 120, 3, True),
    (7, "scalp_exosome_injection", 200, 3, False),
]
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def _setup_resources(clinic: Clinic, staff: list[User]) -> dict[str, AppointmentType]:
    for name, capabilities in ROOMS.items():
        db.session.add(Room(clinic_id=clinic.id, name=name, capabilities=capabilities))
    for user in staff:
        for weekdays, starts, ends in HOURS[user.role]:
            for weekday in weekdays:
                db.session.add(
                    WorkingHours(clinic_id=clinic.id, provider_id=user.id, weekday=weekday, starts=starts, ends=ends)
                )
    types = {}
    for code, minutes, buffer, role in TYPES:
        procedure = db.session.scalar(sa.select(Procedure).filter_by(clinic_id=clinic.id, code=code))
        types[code] = AppointmentType(
            clinic_id=clinic.id,
            procedure_id=procedure.id,
            name=procedure.name,
            duration_minutes=minutes,
            buffer_minutes=buffer,
            performer_role=role,
            required_capability=CAPABILITY_FOR_PROCEDURE_KIND.get(procedure.kind),
        )
        db.session.add(types[code])
    db.session.flush()
    return types


def _time_off(clinic: Clinic, staff: list[User], today: date) -> None:
    holiday = today + timedelta(days=(3 - today.weekday()) % 7 + 14)  # a Thursday two weeks out
    zone = clinic.zone
    db.session.add(
        TimeOff(
            clinic_id=clinic.id,
            provider_id=None,
            reason="Clinic closed (staff training)",
            starts_at=local_instant(holiday, time(0), zone),
            ends_at=local_instant(holiday + timedelta(days=1), time(0), zone),
        )
    )
    day_off = today + timedelta(days=(4 - today.weekday()) % 7 + 7)
    aesthetician = next(u for u in staff if u.role == "aesthetician")
    db.session.add(
        TimeOff(
            clinic_id=clinic.id,
            provider_id=aesthetician.id,
            reason="Day off",
            starts_at=local_instant(day_off, time(0), zone),
            ends_at=local_instant(day_off + timedelta(days=1), time(0), zone),
        )
    )


def _book_near(
    clinic: Clinic, patient: Patient, kind: AppointmentType, day: date, series: Series | None, now: datetime
):
    """Book the first free slot on or after `day` (past days too: demo history)."""
    slots = find_free_slots(clinic, kind, day, day + timedelta(days=10), now=EARLIEST, patient_id=patient.id)
    first = min((s for found in slots.values() for s in found), key=lambda s: s.starts_at, default=None)
    if first is None:
        return None
    provider = db.session.get(User, first.provider_id)
    return book_appointment(
        clinic=clinic,
        patient=patient,
        appointment_type=kind,
        provider=provider,
        starts_at=first.starts_at,
        series=series,
        allow_past=True,
        now=now,
        notify=False,
    )


def _protocol(clinic: Clinic, kind: AppointmentType) -> Protocol:
    return db.session.scalar(
        sa.select(Protocol).where(Protocol.clinic_id == clinic.id, Protocol.procedure_id == kind.procedure_id)
    )


def _seed_series(clinic: Clinic, patients: list[Patient], types: dict, today: date, now: datetime) -> None:
    for index, code, days_ago, done, book_next in SERIES:
        kind = types[code]
        protocol = _protocol(clinic, kind)
        series = start_series(clinic, patients[index], protocol, kind)
        day = today - timedelta(days=days_ago)
        for number in range(done + (1 if book_next else 0)):
            appointment = _book_near(clinic, patients[index], kind, day, series, now)
            if appointment is None:
                break
            if appointment.starts_at < now:
                change_status(appointment, "completed", clinic=clinic, now=appointment.ends_at, notify=False)
            gap = target_gap(protocol, number + 2, clinic.series_tolerance_days)
            day = appointment.local_date + timedelta(days=gap)
        series.checkpoints_recorded = 1 if done else 0
        refresh_series(series, clinic, today)


def _seed_visits(clinic: Clinic, patients: list[Patient], types: dict, today: date, now: datetime) -> None:
    """One-off visits this week and next, a few in the past, and a no-show to rebook."""
    codes = list(types)
    for offset, patient in enumerate(patients[10:30]):
        day = today + timedelta(days=offset % 10 - 3)
        appointment = _book_near(clinic, patient, types[codes[offset % len(codes)]], day, None, now)
        if appointment is not None and appointment.ends_at < now:
            status = "no_show" if offset == 1 else "completed"
            change_status(appointment, status, clinic=clinic, now=appointment.ends_at, notify=False)


def seed(clinic: Clinic, patients: list[Patient], today: date) -> None:
    """Schedules for the demo clinic; no-op if it already has rooms."""
    if db.session.scalar(sa.select(Room.id).where(Room.clinic_id == clinic.id).limit(1)):
        return
    staff = list(
        db.session.scalars(
            sa.select(User).where(User.clinic_id == clinic.id, User.role.in_(list(HOURS))).order_by(User.id)
        )
    )
    types = _setup_resources(clinic, staff)
    _time_off(clinic, staff, today)
    now = datetime.combine(today, time(8), tzinfo=clinic.zone).astimezone(UTC)
    _seed_series(clinic, patients, types, today, now)
    _seed_visits(clinic, patients, types, today, now)
    db.session.flush()
