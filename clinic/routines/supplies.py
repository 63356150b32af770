"""Home products as supplies: when a bottle runs out and when to prompt a reorder.

One bottle serves every regular step of a routine that uses the product: a serum used in the AM and the
PM steps runs out twice as fast as one used once a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from clinic.catalog.models import Product
from clinic.db import now_utc
from clinic.extensions import db
from clinic.routines.models import Routine, RoutineStep
from clinic.routines.schedule import parse_weekdays, reorder_due, run_out_date, uses_per_week


def _product_id(step: RoutineStep) -> int | None:
    return step.product.id if step.product is not None else step.product_id


def refresh_run_out(step: RoutineStep, routine: Routine) -> None:
    """Recompute the run-out estimate of the step's product across the routine (see the module doc)."""
    product = step.product or (db.session.get(Product, step.product_id) if step.product_id else None)
    if product is None or step.is_recovery:
        step.runs_out_on = None
        return
    if step.opened_on is None:
        step.opened_on = routine.starts_on + timedelta(days=step.start_offset_days or 0)
    refresh_product_run_out(routine, product)


def refresh_product_run_out(routine: Routine, product: Product, today: date | None = None) -> None:
    """Set the run-out date of `product` on every regular step of the routine that still uses it: the
    bottle opened first, emptied by the daily use of all those steps together."""
    today = today or now_utc().date()
    sharing = [
        s
        for s in routine.steps
        if _product_id(s) == product.id and not s.is_recovery and (s.ends_on is None or s.ends_on >= today)
    ]
    if not sharing:
        return
    weekly = sum(uses_per_week(s.frequency or "daily", parse_weekdays(s.weekdays)) for s in sharing)
    opened = min(s.opened_on or routine.starts_on + timedelta(days=s.start_offset_days or 0) for s in sharing)
    runs_out = run_out_date(opened, product.size_ml, product.ml_per_use, weekly)
    for s in sharing:
        s.opened_on, s.runs_out_on = opened, runs_out


@dataclass(frozen=True)
class ReorderPrompt:
    product: Product
    runs_out_on: date
    #: The estimated run-out date has passed: "should have run out", not "runs out around <a past date>".
    overdue: bool


def reorder_prompts(steps: list[RoutineStep], today: date) -> list[ReorderPrompt]:
    """One prompt per product (not per step) whose bottle runs out within the lead time or already has."""
    prompts: dict[int, ReorderPrompt] = {}
    for step in steps:
        if step.product is None or step.is_recovery or not reorder_due(step.runs_out_on, today):
            continue
        if step.product.id not in prompts:
            prompts[step.product.id] = ReorderPrompt(step.product, step.runs_out_on, step.runs_out_on < today)
    return sorted(prompts.values(), key=lambda p: (p.runs_out_on, p.product.id))
