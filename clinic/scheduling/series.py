"""Whole-series planning: propose every session of a protocol, then book them all in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from clinic.auth.models import User
from clinic.catalog.models import Protocol
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.scheduling.availability import Slot, find_free_slots
from clinic.scheduling.booking import book_appointment
from clinic.scheduling.errors import SchedulingError
from clinic.scheduling.models import AppointmentType, Series
from clinic.scheduling.series_rules import interval_bounds, target_gap

FIRST_SESSION_SEARCH_DAYS = 14


@dataclass
class PlannedSession:
    index: int
    target: date
    earliest: date
    latest: date
    slot: Slot | None


def _pick(slots_by_provider: dict, preferred: datetime | None, zone) -> Slot | None:
    """The earliest day's slot closest to the preferred time of day (session 1's): a series keeps its hour."""
    slots = [s for slots in slots_by_provider.values() for s in slots]
    if not slots:
        return None
    first_day = min(s.starts_at.astimezone(zone).date() for s in slots)
    same_day = [s for s in slots if s.starts_at.astimezone(zone).date() == first_day]
    if preferred is None:
        return min(same_day, key=lambda s: s.starts_at)
    minutes = preferred.astimezone(zone).hour * 60 + preferred.astimezone(zone).minute

    def distance(s: Slot) -> tuple[int, datetime]:
        local = s.starts_at.astimezone(zone)
        return abs(local.hour * 60 + local.minute - minutes), s.starts_at

    return min(same_day, key=distance)


def plan_series(
    clinic: Clinic,
    protocol: Protocol,
    appointment_type: AppointmentType,
    first_day: date,
    *,
    provider_id: int | None = None,
    now: datetime | None = None,
    patient_id: int | None = None,
) -> list[PlannedSession]:
    """Propose a date and a free slot for every induction session, each inside its interval window
    (with `patient_id`, never at a time that patient already has another appointment)."""
    now = now or datetime.now(UTC)
    tolerance, providers = clinic.series_tolerance_days, [provider_id] if provider_id else None
    plan: list[PlannedSession] = []
    previous: date | None = None
    preferred: datetime | None = None
    for index in range(1, protocol.session_count + 1):
        if previous is None:
            target, earliest, latest = (
                first_day,
                first_day,
                first_day + timedelta(days=FIRST_SESSION_SEARCH_DAYS),
            )
        else:
            low, high = interval_bounds(protocol, index, tolerance)
            target = previous + timedelta(days=target_gap(protocol, index, tolerance))
            earliest = previous + timedelta(days=low)
            latest = previous + timedelta(days=high) if high else target + timedelta(days=FIRST_SESSION_SEARCH_DAYS)
        slot = _pick(
            find_free_slots(
                clinic, appointment_type, target, latest, provider_ids=providers, now=now, patient_id=patient_id
            ),
            preferred,
            clinic.zone,
        )
        if slot is None and earliest < target:
            slot = _pick(
                find_free_slots(
                    clinic,
                    appointment_type,
                    earliest,
                    target - timedelta(days=1),
                    provider_ids=providers,
                    now=now,
                    patient_id=patient_id,
                ),
                preferred,
                clinic.zone,
            )
        plan.append(PlannedSession(index, target, earliest, latest, slot))
        previous = slot.starts_at.astimezone(clinic.zone).date() if slot else target
        preferred = preferred or (slot.starts_at if slot else None)
        providers = providers or ([slot.provider_id] if slot else None)
    return plan


def start_series(clinic: Clinic, patient: Patient, protocol: Protocol, appointment_type: AppointmentType) -> Series:
    if protocol.clinic_id != clinic.id or appointment_type.procedure_id != protocol.procedure_id:
        raise SchedulingError("That appointment type does not match the protocol's procedure.")
    if protocol.session_count < 1:
        raise SchedulingError("The protocol has no sessions.")
    series = Series(
        clinic_id=clinic.id,
        patient_id=patient.id,
        protocol_id=protocol.id,
        protocol=protocol,
        appointment_type_id=appointment_type.id,
        package_sessions=protocol.session_count,
    )
    db.session.add(series)
    db.session.flush()
    return series


def book_series(
    clinic: Clinic,
    patient: Patient,
    protocol: Protocol,
    appointment_type: AppointmentType,
    sessions: list[tuple[datetime, User]],
    *,
    by: User | None = None,
    booked_via: str = "staff",
    now: datetime | None = None,
) -> Series:
    """Book every session or none: the first refusal raises and the caller rolls the whole series back."""
    if not sessions:
        raise SchedulingError("Choose at least one session.")
    if len(sessions) > protocol.session_count:
        raise SchedulingError(f"The protocol has {protocol.session_count} sessions.")
    series = start_series(clinic, patient, protocol, appointment_type)
    for number, (starts_at, provider) in enumerate(sorted(sessions, key=lambda s: s[0]), start=1):
        try:
            book_appointment(
                clinic=clinic,
                patient=patient,
                appointment_type=appointment_type,
                provider=provider,
                starts_at=starts_at,
                series=series,
                by=by,
                booked_via=booked_via,
                now=now,
            )
        except SchedulingError as error:
            if str(error).startswith("Session"):
                raise
            raise type(error)(f"Session {number}: {error}") from error
    return series
