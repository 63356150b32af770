"""Portal pages around the routine: history, reminder settings, aftercare, report a problem, my data."""

from __future__ import annotations

import calendar
import json
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record
from clinic.auth.models import User
from clinic.db import now_utc
from clinic.extensions import db
from clinic.patients.access import get_patient
from clinic.portal.forms import ProblemForm, format_minutes, reminder_settings_form
from clinic.portal.views.blueprint import bp
from clinic.reminders.preferences import Preferences, get_preferences, save_preferences
from clinic.roles import Role
from clinic.routines.aftercare import aftercare_overview
from clinic.routines.export import patient_export
from clinic.routines.models import AftercareRecord, Routine
from clinic.routines.problems import ProblemReport
from clinic.routines.services import local_today
from clinic.routines.stats import adherence_pct, adherence_series, current_streak
from clinic.routines.windows import until_text


def _month(raw: str | None, today: date) -> date:
    try:
        year, month = (int(x) for x in (raw or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


@bp.get("/history")
@role_required(Role.PATIENT)
def history():
    patient = get_patient(current_user.patient_id)
    today = local_today(patient, now_utc())
    first = _month(request.args.get("month"), today)
    if first > today:
        first = today.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    span = (min(last, today) - first).days + 1
    month_days = {d.day.day: d for d in adherence_series(patient.id, min(last, today), days=span)}
    recent = adherence_series(patient.id, today, days=30)
    record(
        "routine.view", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="history"
    )
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    return render_template(
        "portal/history.html",
        weeks=calendar.Calendar().monthdayscalendar(first.year, first.month),
        month_days=month_days,
        first=first,
        previous=previous,
        following=following if following <= today else None,
        pct7=adherence_pct(recent[-7:]),
        pct30=adherence_pct(recent),
        streak=current_streak(recent, today),
    )


@bp.route("/reminders", methods=["GET", "POST"])
@role_required(Role.PATIENT)
def reminder_settings():
    """Times, quiet hours, the SMS number, and a switch per reminder kind and channel."""
    patient = get_patient(current_user.patient_id)
    prefs = get_preferences(patient)
    form = reminder_settings_form()()
    if request.method == "GET":
        form.am_time.data, form.pm_time.data = format_minutes(prefs.am_minute), format_minutes(prefs.pm_minute)
        form.timezone.data = prefs.timezone
        form.quiet_start.data, form.quiet_end.data = format_minutes(prefs.quiet_start), format_minutes(prefs.quiet_end)
        form.fill_choices(prefs)
    if form.validate_on_submit():
        chosen = Preferences(form.am_time.minutes, form.pm_time.minutes, form.timezone.data,
                             form.quiet_start.minutes, form.quiet_end.minutes, channels=dict(prefs.channels))
        save_preferences(patient, form.apply_choices(chosen), user=current_user, source="portal")
        flash("Reminder settings saved.", "success")
        return redirect(url_for(".reminder_settings"))
    record(
        "reminders.preferences_view",
        patient_id=patient.id,
        object_type="reminder_preference",
        object_id=patient.id,
    )
    html = render_template("portal/reminders.html", form=form)
    return html, 422 if form.errors else 200


@bp.get("/aftercare")
@role_required(Role.PATIENT)
def aftercare():
    patient = get_patient(current_user.patient_id)
    now = now_utc()
    record("aftercare.view", patient_id=patient.id, object_type="patient", object_id=patient.id)
    return render_template(
        "portal/aftercare.html",
        overview=aftercare_overview(patient.id, now),
        now=now,
        zone=ZoneInfo(patient.timezone),
        until_text=until_text,
    )


def treating_dermatologist(patient_id: int, clinic_id: int) -> int | None:
    """Who gets a patient's report: the dermatologist who last recorded a procedure or built a routine,
    else the clinic's first active dermatologist."""
    for column, order in (
        (AftercareRecord.recorded_by_id, AftercareRecord.id),
        (Routine.created_by_id, Routine.id),
    ):
        user_id = db.session.scalar(
            sa.select(column)
            .join(User, User.id == column)
            .where(column.class_.patient_id == patient_id, User.role == Role.DERMATOLOGIST.value)
            .order_by(order.desc())
            .limit(1)
        )
        if user_id:
            return user_id
    return db.session.scalar(
        sa.select(User.id)
        .where(User.clinic_id == clinic_id, User.role == Role.DERMATOLOGIST.value, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )


@bp.route("/report-problem", methods=["GET", "POST"])
@role_required(Role.PATIENT)
def report_problem():
    patient = get_patient(current_user.patient_id)
    form = ProblemForm()
    if form.validate_on_submit():
        report = ProblemReport(
            clinic_id=patient.clinic_id,
            patient_id=patient.id,
            message=form.message.data,
            dermatologist_id=treating_dermatologist(patient.id, patient.clinic_id),
        )
        db.session.add(report)
        db.session.flush()
        record("problem.report", patient_id=patient.id, object_type="problem_report", object_id=report.id)
        flash("Thank you. Your dermatologist has your message and will get back to you.", "success")
        return redirect(url_for(".today"))
    return render_template("portal/report_problem.html", form=form), 422 if form.errors else 200


@bp.get("/my-data.json")
@role_required(Role.PATIENT)
def my_data():
    patient = get_patient(current_user.patient_id)
    body = json.dumps(patient_export(patient), indent=2, ensure_ascii=False)
    record(
        "patient.export", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="json"
    )
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="my-data-{patient.record_number}.json"'},
    )
