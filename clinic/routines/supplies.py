"""Home products as supplies: when a bottle runs out and when to prompt a reorder.

One bottle serves every regular step of a routine that uses the product: a serum used in the AM and the
PM steps runs out twice as fast as one used once a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

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


#: "A month" in the cost estimate.
DAYS_PER_MONTH = 30


@dataclass(frozen=True)
class MonthlyCost:
    """What the routine's home products cost over a month of use, at catalog prices."""

    total: Decimal
    #: (product, cost a month) for each product with a price, a size and a dose per use.
    products: list[tuple[Product, Decimal]]
    #: Products left out of the total because one of those is missing.
    unknown: list[Product]


def monthly_cost(routine: Routine, today: date) -> MonthlyCost:
    """Price × the share of a bottle a month of the routine uses, summed over its products (one bottle per
    product, whatever the number of steps using it; recovery steps are left out: they come and go)."""
    weekly: dict[int, float] = {}
    products: dict[int, Product] = {}
    for step in routine.steps:
        if step.product is None or step.is_recovery or (step.ends_on is not None and step.ends_on < today):
            continue
        products[step.product.id] = step.product
        weekly[step.product.id] = weekly.get(step.product.id, 0.0) + uses_per_week(
            step.frequency or "daily", parse_weekdays(step.weekdays)
        )
    priced, unknown = [], []
    for product_id, product in products.items():
        if product.price is None or not product.size_ml or not product.ml_per_use:
            unknown.append(product)
            continue
        ml_a_month = Decimal(str(product.ml_per_use)) * Decimal(str(weekly[product_id])) / 7 * DAYS_PER_MONTH
        cost = (product.price * ml_a_month / Decimal(str(product.size_ml))).quantize(Decimal("0.01"))
        priced.append((product, cost))
    return MonthlyCost(sum((c for _, c in priced), Decimal("0.00")), priced, unknown)
