"""Pure rules: due dates, run-out, reorder, conflicts."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from clinic.routines.schedule import (
    StepRule,
    conflicts_in_slot,
    reorder_due,
    run_out_date,
    slot_moment,
    step_due_on,
    uses_per_week,
)

START = date(2026, 11, 2)  # a Monday


@pytest.mark.parametrize(
    ("day", "due"), [(date(2026, 11, 1), False), (START, True), (date(2026, 11, 30), True)]
)
def test_daily_step_is_due_from_the_routine_start(day, due):
    assert step_due_on(StepRule("daily"), day, START) is due


def test_every_other_day_counts_from_the_first_day_including_the_offset():
    rule = StepRule("every_other_day", start_offset_days=3)
    due = [d for d in range(2, 14) if step_due_on(rule, date(2026, 11, d), START)]
    assert due == [5, 7, 9, 11, 13]


def test_chosen_weekdays():
    rule = StepRule("weekdays", frozenset({0, 2, 4}))
    due = [
        date(2026, 11, d).strftime("%a") for d in range(2, 9) if step_due_on(rule, date(2026, 11, d), START)
    ]
    assert due == ["Mon", "Wed", "Fri"]


def test_step_and_routine_end_dates_are_inclusive():
    rule = StepRule("daily", ends_on=date(2026, 11, 10))
    assert step_due_on(rule, date(2026, 11, 10), START)
    assert not step_due_on(rule, date(2026, 11, 11), START)
    assert not step_due_on(StepRule("daily"), date(2026, 11, 6), START, routine_ends_on=date(2026, 11, 5))


def test_unknown_frequency_is_an_error():
    with pytest.raises(ValueError, match="unknown frequency"):
        step_due_on(StepRule("hourly"), START, START)


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
    assert warnings == [
        "Retinol and Vit C: a retinoid with vitamin C in the same slot can irritate the skin."
    ]
    acids = conflicts_in_slot([("Glycolic", ["aha"]), ("Salicylic", ["bha"])])
    assert "two exfoliating acids" in acids[0]
    assert (
        "benzoyl peroxide"
        in conflicts_in_slot([("Tretinoin", ["prescription_retinoid"]), ("BP wash", ["benzoyl_peroxide"])])[0]
    )
    assert conflicts_in_slot([("Retinol", ["retinoid"]), ("Glycolic", ["aha"])])[0].startswith(
        "Retinol and Glycolic"
    )
    assert conflicts_in_slot([("Serum", ["exosome"]), ("SPF", ["spf"])]) == []


def test_slot_moment_is_local_time_across_dst():
    ny = ZoneInfo("America/New_York")
    assert slot_moment(date(2026, 3, 7), "am", ny) == datetime(2026, 3, 7, 13, 0, tzinfo=UTC)
    assert slot_moment(date(2026, 3, 8), "am", ny) == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
