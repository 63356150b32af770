"""The portal's slot picker groups free slots by the patient's day, one offer per time unless a provider is
chosen (pure function, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from clinic.scheduling.availability import Slot
from clinic.scheduling.portal_booking import chosen_day, offered_days

NEW_YORK = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class Provider:
    id: int
    full_name: str


def _slot(provider: Provider, day: int, hour: int, minute: int = 0, room: int = 1) -> Slot:
    starts = datetime(2026, 12, day, hour, minute, tzinfo=UTC)
    return Slot(provider.id, room, starts, starts)


def test_days_in_the_patients_zone_one_offer_per_time():
    ana, ben = Provider(1, "Ana"), Provider(2, "Ben")
    found = {
        ben: [_slot(ben, 10, 14), _slot(ben, 10, 14, room=2), _slot(ben, 11, 3)],  # 03:00 UTC = 10 Dec evening
        ana: [_slot(ana, 10, 14), _slot(ana, 10, 15)],
    }
    days = offered_days(found, NEW_YORK)
    assert [d.day for d in days] == [date(2026, 12, 10)]
    [day] = days
    assert [(t.starts_at.hour, t.provider.full_name) for t in day.times] == [(14, "Ana"), (15, "Ana"), (3, "Ben")]
    assert [t.part_of_day for t in day.times] == ["morning", "morning", "evening"]
    assert [part for part, _ in day.parts] == ["morning", "evening"]  # in the day's order, not alphabetical
    only_ben = offered_days(found, NEW_YORK, provider_id=2)
    assert [(t.starts_at.hour, t.provider.full_name) for t in only_ben[0].times] == [(14, "Ben"), (3, "Ben")]


def test_chosen_day_falls_back_to_the_first():
    ana = Provider(1, "Ana")
    days = offered_days({ana: [_slot(ana, 14, 15), _slot(ana, 15, 15)]}, NEW_YORK)
    assert chosen_day(days, "2026-12-15").day == date(2026, 12, 15)
    assert chosen_day(days, "2026-12-20").day == date(2026, 12, 14)
    assert chosen_day(days, "garbage").day == date(2026, 12, 14)
    assert chosen_day([], None) is None


def test_days_and_parts_of_day_across_the_autumn_clock_change():
    """New York leaves daylight time on 1 Nov 2026: 13:30 UTC is 09:30 on the 31st and 08:30 on the 1st."""
    ana = Provider(1, "Ana")
    found = {
        ana: [
            Slot(1, 1, datetime(2026, 10, 31, 13, 30, tzinfo=UTC), datetime(2026, 10, 31, 14, 30, tzinfo=UTC)),
            Slot(1, 1, datetime(2026, 11, 1, 3, 30, tzinfo=UTC), datetime(2026, 11, 1, 4, 30, tzinfo=UTC)),
            Slot(1, 1, datetime(2026, 11, 1, 13, 30, tzinfo=UTC), datetime(2026, 11, 1, 14, 30, tzinfo=UTC)),
        ]
    }
    days = offered_days(found, NEW_YORK)
    assert [d.day for d in days] == [date(2026, 10, 31), date(2026, 11, 1)]
    assert [(t.starts_at.astimezone(NEW_YORK).hour, t.part_of_day) for t in days[0].times] == [
        (9, "morning"),
        (23, "evening"),  # 03:30 UTC on 1 Nov is still the evening of 31 Oct in New York
    ]
    assert [t.starts_at.astimezone(NEW_YORK).hour for t in days[1].times] == [8]
