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
    only_ben = offered_days(found, NEW_YORK, provider_id=2)
    assert [(t.starts_at.hour, t.provider.full_name) for t in only_ben[0].times] == [(14, "Ben"), (3, "Ben")]


def test_chosen_day_falls_back_to_the_first():
    ana = Provider(1, "Ana")
    days = offered_days({ana: [_slot(ana, 14, 15), _slot(ana, 15, 15)]}, NEW_YORK)
    assert chosen_day(days, "2026-12-15").day == date(2026, 12, 15)
    assert chosen_day(days, "2026-12-20").day == date(2026, 12, 14)
    assert chosen_day(days, "garbage").day == date(2026, 12, 14)
    assert chosen_day([], None) is None
