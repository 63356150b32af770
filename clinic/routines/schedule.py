"""Pure date arithmetic for routines: slot moments, run-out estimates, conflicts.

Which steps are due on a local date is one SQL rule, in routines/due.py.

Nothing here touches the database, so every rule is unit-tested with plain values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

#: The moment of a local day at which a slot "happens": pauses and aftercare windows are judged there.
SLOT_MOMENT: dict[str, time] = {"am": time(8, 0), "pm": time(20, 0)}
REORDER_LEAD_DAYS = 7

#: Ingredient pairs that should not share a slot (DOMAIN.md: retinoid with vitamin C or benzoyl peroxide;
#: two exfoliating acids).
CONFLICTS: tuple[tuple[frozenset[str], frozenset[str], str], ...] = (
    (frozenset({"retinoid", "prescription_retinoid"}), frozenset({"vitamin_c"}), "a retinoid with vitamin C"),
    (
        frozenset({"retinoid", "prescription_retinoid"}),
        frozenset({"benzoyl_peroxide"}),
        "a retinoid with benzoyl peroxide",
    ),
    (
        frozenset({"retinoid", "prescription_retinoid"}),
        frozenset({"aha", "bha"}),
        "a retinoid with an exfoliating acid",
    ),
    (frozenset({"aha"}), frozenset({"bha"}), "two exfoliating acids (AHA and BHA)"),
)


def slot_moment(day: date, slot: str, zone: ZoneInfo) -> datetime:
    """The UTC instant of `slot` on the local date `day` (DST-correct through zoneinfo)."""
    return datetime.combine(day, SLOT_MOMENT[slot], tzinfo=zone).astimezone(UTC)


def in_window(moment: datetime, starts_at: datetime | None, ends_at: datetime | None) -> bool:
    """Half-open window [starts_at, ends_at); a missing bound is open."""
    return (starts_at is None or starts_at <= moment) and (ends_at is None or moment < ends_at)


def uses_per_week(frequency: str, weekdays: Iterable[int] = ()) -> float:
    if frequency == "daily":
        return 7.0
    if frequency == "every_other_day":
        return 3.5
    if frequency == "weekdays":
        return float(len(set(weekdays)))
    raise ValueError(f"unknown frequency {frequency!r}")


def run_out_date(
    opened_on: date, size_ml: Decimal | float | None, ml_per_use: Decimal | float | None, weekly_uses: float
) -> date | None:
    """When a product opened on `opened_on` runs out: size ÷ (ml per use × uses per day), whole days."""
    if not size_ml or not ml_per_use or weekly_uses <= 0:
        return None
    per_day = float(ml_per_use) * weekly_uses / 7
    return opened_on + timedelta(days=math.floor(float(size_ml) / per_day))


def reorder_due(runs_out_on: date | None, today: date, lead_days: int = REORDER_LEAD_DAYS) -> bool:
    return runs_out_on is not None and today >= runs_out_on - timedelta(days=lead_days)


def conflicts_in_slot(steps: Iterable[tuple[str, Iterable[str]]]) -> list[str]:
    """Warnings for ingredient conflicts among (step name, tags) pairs that share one slot."""
    steps = [(name, set(tags)) for name, tags in steps]
    warnings = []
    for left, right, what in CONFLICTS:
        a = [name for name, tags in steps if tags & left]
        b = [name for name, tags in steps if tags & right]
        pairs = [(x, y) for x in a for y in b if x != y]
        if pairs:
            x, y = pairs[0]
            warnings.append(f"{x} and {y}: {what} in the same slot can irritate the skin.")
    return warnings


def parse_weekdays(raw: str | None) -> frozenset[int]:
    return frozenset(int(ch) for ch in (raw or "") if ch.isdigit())
