"""Routine rules: building routines and steps, run-out estimates, and the day plan the portal shows.

Services flush, never commit; the view or CLI commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from clinic.audit.services import record
from clinic.catalog.models import Product
from clinic.catalog.rules import hard_stops
from clinic.db import now_utc
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.routines.defaults import TEMPLATES
from clinic.routines.models import AdherenceLog, Routine, RoutineStep
from clinic.routines.safety import check_product, keep_overrides, product_findings
from clinic.routines.schedule import conflicts_in_slot, parse_weekdays, slot_moment
from clinic.routines.supplies import refresh_product_run_out, refresh_run_out
from clinic.routines.windows import Pause, next_pause, patient_windows, planned_steps


class RoutineError(ValueError):
    """A rule refused the change; the message is meant for the person who asked."""


def local_today(patient: Patient, now) -> date:
    return now.astimezone(ZoneInfo(patient.timezone)).date()


def patient_routine(patient: Patient, day: date, user) -> Routine:
    """The patient's one routine that has not ended by `day`; created (empty) when there is none."""
    routine = open_routine(patient.id, day)
    return routine or create_routine(
        patient, concern="other", goal="Home routine", starts_on=day, ends_on=None, user=user
    )


def open_routine(patient_id: int, day: date) -> Routine | None:
    return db.session.scalar(
        sa.select(Routine)
        .where(Routine.patient_id == patient_id, sa.or_(Routine.ends_on.is_(None), Routine.ends_on >= day))
        .order_by(Routine.starts_on, Routine.id)
        .limit(1)
    )


def create_routine(
    patient: Patient, *, concern: str, goal: str, starts_on: date, ends_on: date | None, user
) -> Routine:
    routine = Routine(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        concern=concern,
        goal=goal,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(routine)
    db.session.flush()
    record("routine.create", patient_id=patient.id, object_type="routine", object_id=routine.id, user=user)
    return routine


def copy_template(patient: Patient, template_key: str, *, starts_on: date, user) -> Routine:
    """The template's steps in the patient's one routine: a new routine, or the open one (for example the
    routine a logged session created for its recovery steps), whose concern and goal the template gives
    when it has no steps of its own yet. Steps whose product the slot already has are not added twice."""
    template = TEMPLATES.get(template_key)
    if template is None:
        raise RoutineError("Unknown routine template.")
    routine = open_routine(patient.id, starts_on)
    if routine is None:
        routine = create_routine(
            patient,
            concern=template["concern"],
            goal=template["goal"],
            starts_on=starts_on,
            ends_on=None,
            user=user,
        )
    elif not any(not s.is_recovery for s in routine.steps):
        routine.concern, routine.goal = template["concern"], template["goal"]
        routine.starts_on = min(routine.starts_on, starts_on)
    products = {
        (p.brand, p.name): p
        for p in db.session.scalars(sa.select(Product).where(Product.clinic_id == patient.clinic_id))
    }
    positions = {
        slot: max((s.position for s in routine.steps if s.slot == slot and not s.is_recovery), default=0)
        for slot in ("am", "pm")
    }
    routine.refused_steps = []
    for spec in template["steps"]:
        product = products.get(spec["product"]) if spec["product"] else None
        stops = hard_stops(product_findings(patient, product, starts_on)) if product else []
        if stops:
            routine.refused_steps.append(f"{product.display_name}: " + " ".join(f.reason for f in stops))
            continue
        label = spec["label"] or (None if product else " ".join(spec["product"]))
        if any(
            not s.is_recovery
            and s.slot == spec["slot"]
            and (s.product_id, s.label) == (product.id if product else None, None if product else label)
            for s in routine.steps
        ):
            continue
        positions[spec["slot"]] += 1
        step = RoutineStep(
            routine=routine,
            product=product,
            label=label,
            slot=spec["slot"],
            position=positions[spec["slot"]],
            frequency=spec["frequency"],
            weekdays=spec["weekdays"],
            instructions=spec["instructions"],
        )
        db.session.add(step)
        refresh_run_out(step, routine)
    db.session.flush()
    record(
        "routine.template_copy",
        patient_id=patient.id,
        object_type="routine",
        object_id=routine.id,
        detail=template_key,
        user=user,
    )
    return routine


@dataclass
class StepData:
    slot: str
    frequency: str
    product_id: int | None = None
    label: str | None = None
    position: int = 0
    weekdays: str | None = None
    start_offset_days: int = 0
    ends_on: date | None = None
    instructions: str | None = None


def validate_step(data: StepData, clinic_id: int) -> None:
    if data.frequency == "weekdays" and not parse_weekdays(data.weekdays):
        raise RoutineError("Choose at least one weekday for a step on chosen weekdays.")
    if data.product_id is None and not (data.label or "").strip():
        raise RoutineError("Choose a product or describe the step.")
    if data.product_id is not None:
        product = db.session.get(Product, data.product_id)
        if product is None or product.clinic_id != clinic_id:
            raise RoutineError("Unknown product.")


def save_step(
    routine: Routine,
    data: StepData,
    user,
    step: RoutineStep | None = None,
    *,
    safety_reason: str | None = None,
    today: date | None = None,
) -> RoutineStep:
    """Add a step (or update `step`) after validating it and checking its product against the patient
    (routines/safety.py: a hard stop refuses it, a warning needs `safety_reason`); returns the step."""
    validate_step(data, routine.clinic_id)
    patient = routine.patient_ref
    product = db.session.get(Product, data.product_id) if data.product_id else None
    kept = {o.code: o.reason for o in step.overrides} if step is not None and step.product is product else {}
    overrides = check_product(patient, product, today or local_today(patient, now_utc()), safety_reason, kept)
    previous = step.product if step is not None else None
    if step is None:
        step = RoutineStep(routine=routine)
        db.session.add(step)
    for key, value in vars(data).items():
        setattr(step, key, value)
    if data.frequency != "weekdays":
        step.weekdays = None
    keep_overrides(step, overrides, user)
    step.product = db.session.get(Product, data.product_id) if data.product_id else None
    refresh_run_out(step, routine)
    if previous is not None and previous is not step.product:
        refresh_product_run_out(routine, previous)  # the bottle it shared now lasts longer
    db.session.flush()
    record(
        "routine.step_save",
        patient_id=routine.patient_id,
        object_type="routine_step",
        object_id=step.id,
        user=user,
        detail=("overrides: " + "; ".join(f"{code}: {why}" for code, why in overrides.items())) if overrides else None,
    )
    return step


def remove_step(step: RoutineStep, user, today: date) -> None:
    """Delete a step nobody ticked yet; a step with history ends yesterday instead (history is kept)."""
    has_history = db.session.scalar(sa.select(sa.exists().where(AdherenceLog.step_id == step.id)))
    routine, product, patient_id = step.routine, step.product, step.routine.patient_id
    if has_history:
        step.ends_on = today - timedelta(days=1)
        step.runs_out_on = None
    else:
        routine.steps.remove(step)
        db.session.delete(step)
    if product is not None:
        refresh_product_run_out(routine, product, today)
    db.session.flush()
    record("routine.step_remove", patient_id=patient_id, object_type="routine_step", object_id=step.id, user=user)


def routine_warnings(routine: Routine) -> list[str]:
    """Ingredient conflicts among the routine's own (non-aftercare) steps, slot by slot."""
    warnings = []
    for slot in ("am", "pm"):
        pairs = [(s.name, s.tags) for s in routine.steps if s.slot == slot and not s.is_recovery]
        warnings += [f"{slot.upper()}: {w}" for w in conflicts_in_slot(pairs)]
    return warnings


def pause_ahead(step: RoutineStep, now: datetime) -> Pause | None:
    """The aftercare pause `step` is under now or will be under next (for the routine page's warnings)."""
    return next_pause(step.tags, now, patient_windows(step.routine.patient_id, now)) if step.tags else None


@dataclass
class PlannedStep:
    step: RoutineStep
    pause: Pause | None = None
    log: AdherenceLog | None = None


@dataclass
class DayPlan:
    day: date
    slots: dict[str, list[PlannedStep]] = field(default_factory=lambda: {"am": [], "pm": []})

    def counts(self, slot: str) -> tuple[int, int]:
        """(steps to do, steps done or skipped) among the unpaused steps of a slot."""
        active = [p for p in self.slots[slot] if p.pause is None]
        return len(active), sum(1 for p in active if p.log is not None)


def active_routines(patient_id: int, day: date) -> list[Routine]:
    """The routines not ended by `day` (a regular step also waits for its routine's start; a recovery step
    only for its window), loading what the day plan touches in a fixed number of queries."""
    return list(
        db.session.scalars(
            sa.select(Routine)
            .where(Routine.patient_id == patient_id, sa.or_(Routine.ends_on.is_(None), Routine.ends_on >= day))
            .options(selectinload(Routine.steps).selectinload(RoutineStep.product))
            .order_by(Routine.id)
        )
    )


def day_plan(patient: Patient, day: date) -> DayPlan:
    """What the patient should do on local date `day`: planned steps per slot, their pause and their tick."""
    zone = ZoneInfo(patient.timezone)
    plan = DayPlan(day)
    routines = active_routines(patient.id, day)
    windows = patient_windows(patient.id, slot_moment(day, "am", zone) - timedelta(days=1))
    logs = {
        log.step_id: log
        for log in db.session.scalars(
            sa.select(AdherenceLog).where(AdherenceLog.patient_id == patient.id, AdherenceLog.local_date == day)
        )
    }
    for step, pause in planned_steps(routines, windows, day, zone):
        plan.slots[step.slot].append(PlannedStep(step, pause, logs.get(step.id)))
    for slot in plan.slots.values():
        slot.sort(key=lambda p: (p.step.is_recovery, p.step.position, p.step.id))
    return plan
