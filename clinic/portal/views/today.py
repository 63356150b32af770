"""The patient's routine in the portal: today, ticking steps, and the pages around it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record
from clinic.db import now_utc
from clinic.extensions import db
from clinic.patients.access import get_patient
from clinic.portal.forms import TickForm, UndoForm
from clinic.portal.views.blueprint import bp
from clinic.roles import Role
from clinic.routines import adherence
from clinic.routines.access import get_step
from clinic.routines.aftercare import pause_message
from clinic.routines.services import DayPlan, PlannedStep, RoutineError, day_plan, local_today
from clinic.routines.supplies import reorder_prompts


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


@bp.get("/today")
@role_required(Role.PATIENT)
def today():
    patient = get_patient(current_user.patient_id)
    day = local_today(patient, now_utc())
    plan = day_plan(patient, day)
    reorders = reorder_prompts([p.step for slot in plan.slots.values() for p in slot], day)
    record("routine.view", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="today")
    # Rendered before the commit: a commit expires the loaded steps and the page would reload each one.
    html = render_template(
        "portal/today.html",
        patient=patient,
        plan=plan,
        reorders=reorders,
        pause_message=pause_message,
        zone=ZoneInfo(patient.timezone),
    )
    return html


def _planned(step, day) -> tuple[PlannedStep, DayPlan]:
    """The one step as the today page shows it after a change, and the day's plan (for the counter)."""
    plan = day_plan(step.routine.patient_ref, day)
    planned = next((p for p in plan.slots[step.slot] if p.step.id == step.id), PlannedStep(step))
    return planned, plan


def _after_change(step, day, error: str | None = None):
    if _is_htmx():
        if error:
            return error, 400
        planned, plan = _planned(step, day)
        todo, ticked = plan.counts(step.slot)
        # The step replaces itself; the slot's "n of m" counter comes along out of band (hx-swap-oob).
        return render_template(
            "portal/_step.html",
            planned=planned,
            day=day,
            pause_message=pause_message,
            zone=ZoneInfo(step.routine.patient_ref.timezone),
        ) + render_template("portal/_slot_count.html", slot=step.slot, todo=todo, ticked=ticked, oob=True)
    if error:
        flash(error, "error")
    return redirect(url_for(".today", _anchor=f"step-{step.id}"))


@bp.post("/steps/<int:step_id>/log")
@role_required(Role.PATIENT)
def log_step(step_id: int):
    step = get_step(step_id)
    form = TickForm()
    if not form.validate():
        abort(400)
    patient = step.routine.patient_ref
    try:
        adherence.log_step(
            step,
            day=form.day.data,
            status=form.status.data,
            today=local_today(patient, now_utc()),
            now=now_utc(),
        )
    except RoutineError as error:
        db.session.rollback()
        return _after_change(step, form.day.data, str(error))
    return _after_change(step, form.day.data)


@bp.post("/steps/<int:step_id>/undo")
@role_required(Role.PATIENT)
def undo_step(step_id: int):
    step = get_step(step_id)
    form = UndoForm()
    if not form.validate():
        abort(400)
    try:
        adherence.undo_step(step, day=form.day.data, today=local_today(step.routine.patient_ref, now_utc()))
    except RoutineError as error:
        db.session.rollback()
        return _after_change(step, form.day.data, str(error))
    return _after_change(step, form.day.data)
