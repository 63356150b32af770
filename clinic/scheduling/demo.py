"""Demo schedules for `flask seed-demo`: working hours for the demo staff, rooms, appointment types, a clinic
holiday and a day off, past and future appointments and a few series at different stages (one due, one with
its window closing, one overdue, a no-show), so the calendars and the follow-up queue have something to show.
Idempotent: nothing is added when the clinic already has rooms."""

from __future__ import annotations

import random
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
    Appointment,
    AppointmentType,
    Room,
    Series,
    TimeOff,
    WorkingHours,
)
from clinic.scheduling.series import start_series
from clinic.scheduling.series_rules import refresh_series, target_gap
from clinic.scheduling.statuses import EARLY_CHECK_IN
from clinic.treatments.models import TreatmentSession

ROOMS = {
    "Treatment room 1": ["microneedling", "injections"],
    "Treatment room 2": ["microneedling", "injections"],
    "Treatment room 3": ["microneedling", "injections"],
    "Laser suite": ["laser"],
}
HOURS = {
    "aesthetician": [(range(5), time(9), time(13)), (range(5), time(14), time(18))],
    "dermatologist": [(range(4), time(9), time(13)), (range(4), time(14), time(18))],
}
TYPES = [
    ("microneedling_exosome", 75, 15, "aesthetician"),
    ("laser_exosome", 60, 15, "dermatologist"),
    ("scalp_exosome_topical", 45, 15, "aesthetician"),
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
    _seed_week(clinic, staff, patients, types, today)
    db.session.flush()


def demo_now(clinic: Clinic, today: date) -> datetime:
    """The moment the demo day is "at": the real time, kept between 11:00 and 16:00 so a seed run at night
    or early in the morning still shows a day in progress (some visits done, some checked in, one in session)."""
    local = datetime.now(UTC).astimezone(clinic.zone)
    clock = min(max(local.time() if local.date() == today else time(11), time(11)), time(16))
    return datetime.combine(today, clock, tzinfo=clinic.zone).astimezone(UTC)


def _fill_day(clinic: Clinic, provider: User, kinds: list[AppointmentType], day: date, want: int, pick) -> list:
    """Book the provider up to `want` appointments on `day`, each in one of the first few free slots (so the
    day has a few gaps to book into), for patients taken in turn from `pick`."""
    booked = list(
        db.session.scalars(
            sa.select(Appointment).where(Appointment.provider_id == provider.id, Appointment.local_date == day)
        )
    )
    rng = random.Random(day.toordinal() * 31 + provider.id)
    for _ in range(want * 3):
        if len(booked) >= want:
            break
        kind, patient = rng.choice(kinds), pick()
        found = find_free_slots(clinic, kind, day, day, provider_ids=[provider.id], now=EARLIEST, patient_id=patient.id)
        slots = [slot for free in found.values() for slot in free]
        if not slots:
            continue
        slot = slots[min(rng.randrange(3), len(slots) - 1)]
        booked.append(
            book_appointment(
                clinic=clinic,
                patient=patient,
                appointment_type=kind,
                provider=provider,
                starts_at=slot.starts_at,
                allow_past=True,
                now=datetime.combine(day, time(0), tzinfo=clinic.zone).astimezone(UTC),
                notify=False,
            )
        )
    return booked


def _seed_week(clinic: Clinic, staff: list[User], patients: list[Patient], types: dict, today: date) -> None:
    """This week (Monday to Sunday) as a clinic lives it: each provider 5 to 7 appointments on the days they
    work, spread over the day and the rooms; earlier days done; today done up to now, the next ones checked in,
    one no-show; the rest booked, so a session can start from them."""
    turn = iter(range(10**6))
    pool = patients[8:]

    def pick() -> Patient:
        return pool[next(turn) % len(pool)]

    monday = today - timedelta(days=today.weekday())
    now = demo_now(clinic, today)
    no_show_done = False
    for provider in staff:
        kinds = [t for t in types.values() if t.performer_role == provider.role]
        for offset in range(7):
            day = monday + timedelta(days=offset)
            want = 5 + (day.toordinal() + provider.id) % 3
            for appointment in _fill_day(clinic, provider, kinds, day, want, pick):
                no_show_done = _demo_status(clinic, appointment, now, no_show_done) or no_show_done


def _demo_status(clinic: Clinic, appointment: Appointment, now: datetime, no_show_done: bool) -> bool:
    """Give an appointment of the demo week its status as of `now`; True if it became the day's no-show."""
    if appointment.status != "booked":
        return False
    if appointment.series_id is not None:  # a series session: done if it is over, else left as booked
        if appointment.ends_at <= now:
            change_status(appointment, "completed", clinic=clinic, now=max(now, appointment.ends_at), notify=False)
            refresh_series(appointment.series, clinic, now.astimezone(clinic.zone).date())
        return False
    if appointment.ends_at <= now:
        today = appointment.local_date == now.astimezone(clinic.zone).date()
        status = "no_show" if today and not no_show_done else "completed"
        change_status(appointment, status, clinic=clinic, now=max(now, appointment.ends_at), notify=False)
        return status == "no_show"
    if appointment.starts_at <= now + EARLY_CHECK_IN:
        change_status(appointment, "checked_in", clinic=clinic, now=now, notify=False)
    return False


def seed_in_session(clinic: Clinic, today: date) -> None:
    """One checked-in appointment today (a dermatologist's if there is one) gets a draft treatment session: the calendar
    shows it "In session". Runs after the treatments demo (which adds its sessions only to a clinic with none);
    adds nothing if a session was already started from an appointment."""
    started = sa.select(TreatmentSession.id).where(
        TreatmentSession.clinic_id == clinic.id, TreatmentSession.appointment_id.is_not(None)
    )
    if db.session.scalar(started.limit(1)):
        return
    appointment = db.session.scalar(
        sa.select(Appointment)
        .join(User, User.id == Appointment.provider_id)
        .where(
            Appointment.clinic_id == clinic.id,
            Appointment.local_date == today,
            Appointment.status == "checked_in",
        )
        .order_by((User.role == "dermatologist").desc(), Appointment.starts_at)
        .limit(1)
    )
    if appointment is None:
        return
    db.session.add(
        TreatmentSession(
            clinic_id=clinic.id,
            patient_id=appointment.patient_id,
            procedure_id=appointment.appointment_type.procedure_id,
            provider_id=appointment.provider_id,
            started_at=appointment.starts_at,
            precheck={"run_at": appointment.starts_at.isoformat(), "run_by": appointment.provider_id, "findings": []},
            appointment_id=appointment.id,
        )
    )
    db.session.flush()
