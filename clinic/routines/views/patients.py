"""Staff pages: a patient's routine, its steps, aftercare records and pauses."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record
from clinic.catalog.models import Procedure, Product
from clinic.clinics.services import clinic_zone
from clinic.db import now_utc
from clinic.extensions import db
from clinic.patients.access import get_patient
from clinic.patients.chart import ChartSection, register_chart_section
from clinic.roles import CLINICAL_STAFF
from clinic.routines import after_sessions, aftercare  # noqa: F401 - after_sessions: logged sessions pause routines
from clinic.routines.access import get_routine, get_step, get_window
from clinic.routines.forms import AftercareForm, NewRoutineForm, PauseForm, StepForm
from clinic.routines.models import AftercareRecord, Routine
from clinic.routines.safety import patient_routine_conflicts, routine_conflicts
from clinic.routines.schedule import reorder_due
from clinic.routines.services import (
    RoutineError,
    StepData,
    copy_template,
    create_routine,
    local_today,
    open_routine,
    pause_ahead,
    remove_step,
    routine_warnings,
    save_step,
)
from clinic.routines.stats import adherence_series, adherence_svg
from clinic.routines.supplies import monthly_cost
from clinic.routines.views.blueprint import bp
from clinic.routines.windows import patient_windows, pause_at, until_text
from clinic.validation import Invalid, attach_problems

register_chart_section(
    ChartSection(
        "routines/_chart_routine.html",
        order=30,
        context=lambda patient: {
            "routine_conflicts": patient_routine_conflicts(patient, local_today(patient, now_utc()))
        },
    )
)


def _procedure_choices() -> list[tuple[int, str]]:
    procedures = db.session.scalars(
        sa.select(Procedure)
        .where(Procedure.clinic_id == current_user.clinic_id, Procedure.active.is_(True))
        .order_by(Procedure.name)
    )
    return [(p.id, p.name) for p in procedures]


def _product_choices() -> list[tuple[str, str]]:
    products = db.session.scalars(
        sa.select(Product)
        .where(
            Product.clinic_id == current_user.clinic_id,
            Product.active.is_(True),
            Product.use.in_(("home", "both")),
        )
        .order_by(Product.brand, Product.name)
    )
    return [("", "— free-text step —")] + [(str(p.id), p.display_name) for p in products]


@bp.get("/patients/<int:patient_id>/routine")
@role_required(*CLINICAL_STAFF)
def patient_routine(patient_id: int):
    patient = get_patient(patient_id)
    routines = db.session.scalars(
        sa.select(Routine).where(Routine.patient_id == patient.id).order_by(Routine.starts_on.desc(), Routine.id)
    ).all()
    records = db.session.scalars(
        sa.select(AftercareRecord)
        .where(AftercareRecord.patient_id == patient.id)
        .order_by(AftercareRecord.session_ended_at.desc())
        .limit(10)
    ).all()
    now = now_utc()
    today = local_today(patient, now)
    new_form = NewRoutineForm(starts_on=today)
    aftercare_form = AftercareForm()
    aftercare_form.procedure_id.choices = [("", "Choose a procedure")] + _procedure_choices()
    series = adherence_series(patient.id, today, days=30)
    windows = patient_windows(patient.id, now)
    record("routine.view", patient_id=patient.id, object_type="patient", object_id=patient.id)
    conflicts = routine_conflicts(patient, routines, today)
    return render_template(
        "routines/patient.html",
        conflicts=conflicts,
        step_conflicts={c.step.id: [d.finding for d in conflicts if d.step.id == c.step.id] for c in conflicts},
        patient=patient,
        routines=routines,
        has_open_routine=open_routine(patient.id, today) is not None,
        records=records,
        today=today,
        new_form=new_form,
        aftercare_form=aftercare_form,
        warnings={r.id: routine_warnings(r) for r in routines},
        costs={r.id: monthly_cost(r, today) for r in routines},
        reorder_due=reorder_due,
        zone=ZoneInfo(patient.timezone),
        pause_message=aftercare.pause_message,
        pauses={s.id: pause_at(s.tags, now, windows) for r in routines for s in r.steps},
        windows=windows,
        until_text=until_text,
        chart=adherence_svg(series),
        now=now,
    )


@bp.post("/patients/<int:patient_id>/routine/new")
@role_required(*CLINICAL_STAFF)
def new_routine(patient_id: int):
    patient = get_patient(patient_id)
    form = NewRoutineForm()
    if not form.validate():
        flash("Please give the routine a start date.", "error")
        return redirect(url_for(".patient_routine", patient_id=patient.id))
    existing = open_routine(patient.id, form.starts_on.data)
    if form.template.data:
        routine = copy_template(patient, form.template.data, starts_on=form.starts_on.data, user=current_user)
        if form.goal.data:
            routine.goal = form.goal.data
        for refused in routine.refused_steps:
            flash(f"Not added, not for this patient: {refused}", "error")
        if existing is not None:
            flash("The template's steps were added to the patient's routine (one routine per patient).", "info")
            return redirect(url_for(".patient_routine", patient_id=patient.id, _anchor=f"routine-{routine.id}"))
    elif existing is not None:
        flash("This patient already has a routine: add steps to it, or start from a template.", "error")
        return redirect(url_for(".patient_routine", patient_id=patient.id, _anchor=f"routine-{existing.id}"))
    else:
        routine = create_routine(
            patient,
            concern=form.concern.data,
            goal=form.goal.data or "Home routine",
            starts_on=form.starts_on.data,
            ends_on=None,
            user=current_user,
        )
    flash("Routine created. Adjust its steps below.", "success")
    return redirect(url_for(".patient_routine", patient_id=patient.id, _anchor=f"routine-{routine.id}"))


def _step_data(form: StepForm) -> StepData:
    return StepData(
        slot=form.slot.data,
        frequency=form.frequency.data,
        product_id=int(form.product_id.data) if form.product_id.data else None,
        label=(form.label.data or "").strip() or None,
        position=form.position.data or 0,
        weekdays="".join(sorted(form.weekdays.data or [])) or None,
        start_offset_days=form.start_offset_days.data or 0,
        ends_on=form.ends_on.data,
        instructions=form.instructions.data or None,
    )


def _edit_step(routine: Routine, step=None):
    form = StepForm(obj=step)
    form.product_id.choices = _product_choices()
    if step is not None and request.method == "GET":
        form.product_id.data = str(step.product_id or "")
        form.weekdays.data = list(step.weekdays or "")
    if form.validate_on_submit():
        try:
            saved = save_step(routine, _step_data(form), current_user, step, safety_reason=form.safety_reason.data)
        except RoutineError as error:
            db.session.rollback()
            flash(str(error), "error")
        except Invalid as error:
            db.session.rollback()
            attach_problems(form, error.problems)
        else:
            flash("Step saved.", "success")
            pause = pause_ahead(saved, now_utc())
            if pause is not None:
                zone = ZoneInfo(routine.patient_ref.timezone)
                flash(f"{saved.name} will not be due yet: {aftercare.pause_message(pause, zone)}.", "warning")
            return redirect(url_for(".patient_routine", patient_id=routine.patient_id, _anchor=f"routine-{routine.id}"))
    record(
        "routine.view",
        patient_id=routine.patient_id,
        object_type="routine",
        object_id=routine.id,
        detail="step form",
    )
    html = render_template("routines/step_form.html", form=form, routine=routine, step=step)
    return html, 422 if form.errors else 200


@bp.route("/routines/<int:routine_id>/steps/new", methods=["GET", "POST"])
@role_required(*CLINICAL_STAFF)
def new_step(routine_id: int):
    return _edit_step(get_routine(routine_id))


@bp.route("/routines/steps/<int:step_id>/edit", methods=["GET", "POST"])
@role_required(*CLINICAL_STAFF)
def edit_step(step_id: int):
    step = get_step(step_id)
    return _edit_step(step.routine, step)


@bp.post("/routines/steps/<int:step_id>/remove")
@role_required(*CLINICAL_STAFF)
def remove(step_id: int):
    step = get_step(step_id)
    patient_id = step.routine.patient_id
    remove_step(step, current_user, local_today(step.routine.patient_ref, now_utc()))
    flash("Step removed.", "success")
    return redirect(url_for(".patient_routine", patient_id=patient_id))


@bp.post("/patients/<int:patient_id>/aftercare")
@role_required(*CLINICAL_STAFF)
def record_aftercare(patient_id: int):
    patient = get_patient(patient_id)
    form = AftercareForm()
    form.procedure_id.choices = _procedure_choices()
    if not form.validate():
        flash("Choose a procedure and when the session ended.", "error")
        return redirect(url_for(".patient_routine", patient_id=patient.id))
    ended = form.session_ended_at.data.replace(tzinfo=clinic_zone()).astimezone(UTC)
    if ended > now_utc():
        flash("A session cannot end in the future.", "error")
        return redirect(url_for(".patient_routine", patient_id=patient.id))
    procedure = db.session.get(Procedure, form.procedure_id.data)
    aftercare.apply_aftercare(patient, procedure, ended, user=current_user)
    flash(f"Aftercare for {procedure.name} applied: conflicting steps paused, recovery steps added.", "success")
    return redirect(url_for(".patient_routine", patient_id=patient.id))


@bp.post("/routines/pauses/<int:window_id>/adjust")
@role_required(*CLINICAL_STAFF)
def adjust_pause(window_id: int):
    """Move the end of one aftercare window (a pause of an ingredient, or a recovery step's window)."""
    window = get_window(window_id)
    patient = get_patient(window.patient_id)
    form = PauseForm()
    if form.validate():
        aftercare.adjust_window(window, until=form.ends_on.data, zone=ZoneInfo(patient.timezone), user=current_user)
        flash("Aftercare window changed.", "success")
    else:
        flash("Give the last day of the window.", "error")
    return redirect(url_for(".patient_routine", patient_id=patient.id))


@bp.post("/routines/pauses/<int:window_id>/end")
@role_required(*CLINICAL_STAFF)
def end_pause(window_id: int):
    window = get_window(window_id)
    aftercare.end_window(window, now=datetime.now(UTC), user=current_user)
    flash("Aftercare window ended; its steps are back to normal.", "success")
    return redirect(url_for(".patient_routine", patient_id=window.patient_id))
