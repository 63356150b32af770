"""Pure rules: due dates, run-out, reorder, conflicts."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from clinic.routines.schedule import (
    conflicts_in_slot,
    reorder_due,
    run_out_date,
    slot_moment,
    uses_per_week,
)

START = date(2026, 11, 2)  # a Monday


# Due dates: tests/routines/test_due_sql.py (the one SQL rule, against the calendar for a year).


def test_run_out_date_divides_size_by_daily_use():
    # 30 ml at 0.3 ml twice... once a day = 100 days; every other day = 200 days; 3 weekdays = 233 days.
    assert run_out_date(START, Decimal("30"), Decimal("0.3"), uses_per_week("daily")) == date(2027, 2, 10)
    assert run_out_date(START, 30, 0.3, uses_per_week("every_other_day")) == date(2027, 5, 21)
    assert run_out_date(START, 30, 0.3, uses_per_week("weekdays", [0, 2, 4])) == date(2027, 6, 23)
    assert run_out_date(START, None, 0.3, 7) is None


def test_reorder_prompt_starts_a_week_before_run_out():
    assert not reorder_due(date(2026, 12, 10), date(2026, 12, 2))
    assert reorder_due(date(2026, 12, 10), date(2026, 12, 3))
    assert not reorder_due(None, date(2026, 12, 3))


def test_conflicts_in_one_slot():
    warnings = conflicts_in_slot([("Retinol", ["retinoid"]), ("Vit C", ["vitamin_c"]), ("SPF", ["spf"])])
    assert warnings == ["Retinol and Vit C: a retinoid with vitamin C in the same slot can irritate the skin."]
    acids = conflicts_in_slot([("Glycolic", ["aha"]), ("Salicylic", ["bha"])])
    assert "two exfoliating acids" in acids[0]
    assert (
        "benzoyl peroxide"
        in conflicts_in_slot([("Tretinoin", ["prescription_retinoid"]), ("BP wash", ["benzoyl_peroxide"])])[0]
    )
    assert conflicts_in_slot([("Retinol", ["retinoid"]), ("Glycolic", ["aha"])])[0].startswith("Retinol and Glycolic")
    assert conflicts_in_slot([("Serum", ["exosome"]), ("SPF", ["spf"])]) == []


def test_slot_moment_is_local_time_across_dst():
    ny = ZoneInfo("America/New_York")
    assert slot_moment(date(2026, 3, 7), "am", ny) == datetime(2026, 3, 7, 13, 0, tzinfo=UTC)
    assert slot_moment(date(2026, 3, 8), "am", ny) == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
