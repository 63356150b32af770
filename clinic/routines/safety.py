"""Home products checked against the patient: the pre-check's rules engine over a routine step's product.

Adding or changing a step runs `catalog.rules.evaluate_home` with the clinic's rule rows: a hard stop refuses
the step, a warning needs a written reason (kept with the step as `StepOverride` rows, like the pre-check
keeps its override reasons). Nothing about a conflict is stored: `routine_conflicts` re-runs the rules over the
active routine whenever it is asked, so a change to the medical history shows up on the routine page and the
chart the next time they are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from clinic.catalog.models import Product
from clinic.catalog.rules import Finding, evaluate_home, hard_stops, missing_overrides
from clinic.db import now_utc
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.routines.models import Routine, RoutineStep, StepOverride
from clinic.treatments.precheck import clinic_rules
from clinic.validation import Invalid

REASON_MIN_LENGTH = 5


def product_findings(patient: Patient, product: Product, on: date, rules: Sequence | None = None) -> list[Finding]:
    rules = clinic_rules(patient.clinic_id) if rules is None else rules
    return evaluate_home(rules, history=patient.history, patient=patient, product=product, on=on)


def check_product(
    patient: Patient, product: Product | None, on: date, reason: str | None, kept: dict[str, str] | None = None
) -> dict[str, str]:
    """The override reasons to keep on the step ({rule code: reason}); raises Invalid beside the product field
    for a hard stop, beside the reason field for a warning without a reason. `kept`: the reasons the step
    already has (an edit need not repeat them)."""
    if product is None:
        return {}
    findings = product_findings(patient, product, on)
    stops = hard_stops(findings)
    if stops:
        raise Invalid({"product_id": "Not for this patient: " + " ".join(f.reason for f in stops)})
    kept = kept or {}
    reasons = {f.code: (reason or "").strip() or kept.get(f.code, "") for f in findings}
    if missing_overrides(findings, reasons, REASON_MIN_LENGTH):
        raise Invalid(
            {
                "safety_reason": "Give a reason to add it anyway: "
                + " ".join(f.reason for f in findings)
                + f" (at least {REASON_MIN_LENGTH} characters)"
            }
        )
    return reasons


def keep_overrides(step: RoutineStep, reasons: dict[str, str], user) -> None:
    """The step's override rows become exactly `reasons` (a code no longer warning loses its row)."""
    have = {o.code: o for o in step.overrides}
    for code, override in have.items():
        if code not in reasons:
            step.overrides.remove(override)
    for code, reason in reasons.items():
        if code in have:
            if have[code].reason != reason[:500]:
                have[code].reason, have[code].by_id, have[code].at = reason[:500], getattr(user, "id", None), now_utc()
        else:
            step.overrides.append(StepOverride(code=code, reason=reason[:500], by_id=getattr(user, "id", None)))


@dataclass(frozen=True)
class StepConflict:
    step: RoutineStep
    finding: Finding

    @property
    def is_hard_stop(self) -> bool:
        return self.finding.is_hard_stop


def step_conflicts(patient: Patient, step: RoutineStep, on: date, rules: Sequence | None = None) -> list[Finding]:
    """Findings for a step that still need attention: hard stops, and warnings nobody gave a reason for."""
    if step.product is None or step.is_recovery or (step.ends_on is not None and step.ends_on < on):
        return []
    findings = product_findings(patient, step.product, on, rules)
    if not findings:
        return []
    overridden = {o.code for o in step.overrides}
    return [f for f in findings if f.is_hard_stop or f.code not in overridden]


def routine_conflicts(patient: Patient, routines: Sequence[Routine], on: date) -> list[StepConflict]:
    """The steps of the patient's routines that the patient's current history and allergies now conflict
    with (for the routine page and the chart's alert block), hard stops first."""
    rules = clinic_rules(patient.clinic_id)
    out = [
        StepConflict(step, finding)
        for routine in routines
        if routine.is_active_on(on) or routine.starts_on > on
        for step in routine.steps
        for finding in step_conflicts(patient, step, on, rules)
    ]
    return sorted(out, key=lambda c: (not c.is_hard_stop, c.step.slot, c.step.position))


def patient_routine_conflicts(patient: Patient, on: date) -> list[StepConflict]:
    """For the chart's alert block: conflicts in the patient's routines that have not ended by `on`."""
    routines = db.session.scalars(
        sa.select(Routine)
        .where(Routine.patient_id == patient.id, sa.or_(Routine.ends_on.is_(None), Routine.ends_on >= on))
        .options(
            selectinload(Routine.steps).options(selectinload(RoutineStep.product), selectinload(RoutineStep.overrides))
        )
    ).all()
    return routine_conflicts(patient, routines, on)
