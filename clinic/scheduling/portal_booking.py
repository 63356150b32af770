"""What a patient may book or move online, checked again on submit.

The portal's slot list only offers times that pass these rules, but a hand-made POST can name any time:
every rule the list applies is re-checked here before the booking service runs (which itself checks the
provider's hours and time off, the room, and that the patient is not booked elsewhere then).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from clinic.auth.models import User
from clinic.clinics.models import Clinic
from clinic.patients.models import Patient
from clinic.scheduling.availability import Slot
from clinic.scheduling.booking import book_appointment, reschedule
from clinic.scheduling.errors import SchedulingError
from clinic.scheduling.models import Appointment, Series
from clinic.scheduling.series_rules import session_window

#: A one-off appointment (no series) may be moved up to this many days past its current date.
MOVE_AHEAD_DAYS = 30


def cutoff(clinic: Clinic) -> timedelta:
    return timedelta(hours=clinic.booking_cutoff_hours)


def first_bookable(clinic: Clinic, now: datetime) -> datetime:
    """The earliest start a patient may choose online: now plus the clinic's booking cutoff."""
    return now + cutoff(clinic)


def changeable(appointment: Appointment, clinic: Clinic, now: datetime) -> bool:
    """A booked appointment more than the cutoff ahead may be moved or cancelled online."""
    return appointment.status == "booked" and appointment.starts_at - cutoff(clinic) > now


def move_window(appointment: Appointment, clinic: Clinic, today: date) -> tuple[date, date]:
    """The local dates an appointment may be moved to online."""
    if appointment.series is not None:
        return session_window(appointment.series, clinic, today, appointment)
    return today, appointment.local_date + timedelta(days=MOVE_AHEAD_DAYS)


def _check_choice(
    clinic: Clinic, starts_at: datetime | None, provider: User | None, window: tuple[date, date], now: datetime
) -> tuple[datetime, User]:
    if starts_at is None or provider is None:
        raise SchedulingError("Choose one of the times shown.")
    if starts_at < first_bookable(clinic, now):
        raise SchedulingError(
            f"Online booking closes {clinic.booking_cutoff_hours} hours before the appointment. "
            "Please choose a later time or call the clinic."
        )
    earliest, latest = window
    if not earliest <= starts_at.astimezone(clinic.zone).date() <= latest:
        raise SchedulingError("Choose one of the times shown, inside the window of your series.")
    return starts_at, provider


def book_next_session(
    series: Series,
    *,
    clinic: Clinic,
    patient: Patient,
    starts_at: datetime | None,
    provider: User | None,
    today: date,
    by: User | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Book the patient's next session of a series at a time they chose in the portal."""
    now = now or datetime.now(UTC)
    if series.patient_id != patient.id or series.status != "active":
        raise SchedulingError("This series cannot be booked online.")
    starts_at, provider = _check_choice(clinic, starts_at, provider, session_window(series, clinic, today), now)
    return book_appointment(
        clinic=clinic,
        patient=patient,
        appointment_type=series.appointment_type,
        provider=provider,
        starts_at=starts_at,
        series=series,
        booked_via="portal",
        by=by,
        now=now,
    )


def move_appointment(
    appointment: Appointment,
    *,
    clinic: Clinic,
    starts_at: datetime | None,
    provider: User | None,
    today: date,
    by: User | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move the patient's appointment to a time they chose in the portal."""
    now = now or datetime.now(UTC)
    if not changeable(appointment, clinic, now):
        raise SchedulingError(
            f"Appointments can be changed online until {clinic.booking_cutoff_hours} hours before. "
            "Please call the clinic."
        )
    starts_at, provider = _check_choice(clinic, starts_at, provider, move_window(appointment, clinic, today), now)
    return reschedule(appointment, clinic=clinic, starts_at=starts_at, provider=provider, by=by, via="portal", now=now)


@dataclass(frozen=True)
class OfferedTime:
    """One button in the portal's time list: a start and the provider it is with."""

    starts_at: datetime
    provider: User
    zone: ZoneInfo

    @property
    def part_of_day(self) -> str:
        hour = self.starts_at.astimezone(self.zone).hour
        return "morning" if hour < 12 else ("afternoon" if hour < 17 else "evening")


@dataclass(frozen=True)
class OfferedDay:
    day: date  # in the patient's zone
    times: list[OfferedTime]

    @property
    def parts(self) -> list[tuple[str, list[OfferedTime]]]:
        """The times under morning, afternoon and evening, in that order (only the parts that have times)."""
        return [
            (part, [t for t in self.times if t.part_of_day == part])
            for part in ("morning", "afternoon", "evening")
            if any(t.part_of_day == part for t in self.times)
        ]


def offered_days(found: dict[User, list[Slot]], zone: ZoneInfo, provider_id: int | None = None) -> list[OfferedDay]:
    """The free slots grouped by the patient's local day, each day's times in order. With `provider_id`, that
    provider's times; without, one offer per start time (with the first free provider by name): a patient
    choosing a time should not read the same time once per provider and room."""
    seen: set[tuple[datetime, int | None]] = set()
    by_day: dict[date, list[OfferedTime]] = {}
    for provider in sorted(found, key=lambda p: (p.full_name, p.id)):
        if provider_id is not None and provider.id != provider_id:
            continue
        for slot in found[provider]:
            key = (slot.starts_at, provider.id if provider_id is not None else None)
            if key in seen:
                continue
            seen.add(key)
            by_day.setdefault(slot.starts_at.astimezone(zone).date(), []).append(
                OfferedTime(slot.starts_at, provider, zone)
            )
    return [OfferedDay(day, sorted(times, key=lambda t: t.starts_at)) for day, times in sorted(by_day.items())]


def chosen_day(days: list[OfferedDay], raw: str | None) -> OfferedDay | None:
    """The day the patient picked (`?day=YYYY-MM-DD`), else the first day with a free time."""
    try:
        wanted = date.fromisoformat(raw or "")
    except ValueError:
        wanted = None
    return next((d for d in days if d.day == wanted), days[0] if days else None)
