"""The free-slot finder: working hours with breaks, time off, existing bookings, DST-correct instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from clinic.scheduling.availability import find_free_slots
from clinic.scheduling.booking import book_appointment
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at, make_provider, make_time_off, setup_clinic

EARLY = datetime(2026, 1, 1, tzinfo=UTC)


def _starts(found: dict, provider) -> list[str]:
    return [s.starts_at.strftime("%Y-%m-%dT%H:%MZ") for s in found[provider]]


def test_slots_respect_breaks_bookings_and_time_off(world):
    clinic, aesthetician, _, kind, patient = world
    book_appointment(
        clinic=clinic,
        patient=patient,
        appointment_type=kind,
        provider=aesthetician,
        starts_at=at(MONDAY, 10),
        now=FROZEN,
    )
    make_time_off(clinic, at(MONDAY, 15), at(MONDAY, 17), provider=aesthetician, reason="Dentist")
    found = find_free_slots(clinic, kind, MONDAY, MONDAY, now=FROZEN)
    local = [s.starts_at.astimezone(clinic.zone).strftime("%H:%M") for s in found[aesthetician]]
    # 60 min + 15 buffer: 09:00–12:30 minus the 10:00–11:15 booking; 13:30–15:00 before the dentist.
    assert local == ["11:15", "13:30", "13:45"]
    assert [p.role for p in found] == ["aesthetician"]


@pytest.mark.parametrize(
    "zone, day, expected",
    [
        ("America/New_York", date(2026, 3, 6), "2026-03-06T14:00Z"),
        ("America/New_York", date(2026, 3, 9), "2026-03-09T13:00Z"),
        ("America/New_York", date(2026, 10, 30), "2026-10-30T13:00Z"),
        ("America/New_York", date(2026, 11, 2), "2026-11-02T14:00Z"),
        ("Europe/London", date(2026, 3, 27), "2026-03-27T09:00Z"),
        ("Europe/London", date(2026, 3, 30), "2026-03-30T08:00Z"),
        ("Europe/London", date(2026, 10, 23), "2026-10-23T08:00Z"),
        ("Europe/London", date(2026, 10, 26), "2026-10-26T09:00Z"),
    ],
)
def test_nine_oclock_is_the_right_instant_across_dst(app, zone, day, expected):
    clinic, aesthetician, _, kind = setup_clinic(zone)
    found = find_free_slots(clinic, kind, day, day, now=EARLY)
    assert _starts(found, aesthetician)[0] == expected


def test_night_hours_skip_the_missing_hour_and_keep_the_repeated_one(app):
    clinic, *_ = setup_clinic("America/New_York")
    kind = _night_type(clinic)
    night = make_provider("aesthetician", clinic, weekdays=[6], hours=[(time(0, 30), time(4, 0))])
    spring = find_free_slots(clinic, kind, date(2026, 3, 8), date(2026, 3, 8), provider_ids=[night.id], now=EARLY)
    local = [s.starts_at.astimezone(clinic.zone).strftime("%H:%M") for s in spring[night]]
    assert "02:00" not in local and "02:30" not in local and local[:2] == ["00:30", "00:45"]
    assert not [t for t in local if t.startswith("02:")]
    assert all(
        b.starts_at - a.starts_at >= timedelta(minutes=15)
        for a, b in zip(spring[night], spring[night][1:], strict=False)
    )


def _night_type(clinic):
    from tests.scheduling.factories import make_type

    return make_type(clinic, duration=15, buffer=0)


def test_bad_ranges_are_refused(world):
    clinic, _, _, kind, _ = world
    with pytest.raises(ValueError, match="before the start"):
        find_free_slots(clinic, kind, MONDAY, MONDAY - timedelta(days=1))
    with pytest.raises(ValueError, match="at most"):
        find_free_slots(clinic, kind, MONDAY, MONDAY + timedelta(days=100))
