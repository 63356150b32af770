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
from clinic.auth.roles import Role
from clinic.db import now_utc
from clinic.extensions import db
from clinic.limits import parse_day
from clinic.patients.access import get_patient
from clinic.portal.routine_forms import ProblemForm, ReminderSettingsForm, format_minutes
from clinic.portal.routine_views import bp
from clinic.reminders.preferences import Preferences, get_preferences, save_preferences
from clinic.routines.aftercare import latest_aftercare, rule_window
from clinic.routines.export import patient_export
from clinic.routines.problems import ProblemReport
from clinic.routines.services import local_today
from clinic.routines.stats import adherence_pct, adherence_series, current_streak


def _month(raw: str | None, today: date) -> date:
    try:
        year, month = (int(x) for x in (raw or "").split("-"))
        return parse_day(f"{year:04d}-{month:02d}-01")
    except ValueError:  # also years outside 1900-2200, where the previous/next links would overflow
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
    patient = get_patient(current_user.patient_id)
    prefs = get_preferences(patient)
    form = ReminderSettingsForm(
        data=None
        if request.method == "POST"
        else dict(
            am_time=format_minutes(prefs.am_minute),
            pm_time=format_minutes(prefs.pm_minute),
            timezone=prefs.timezone,
            quiet_start=format_minutes(prefs.quiet_start),
            quiet_end=format_minutes(prefs.quiet_end),
            email_enabled=prefs.email_enabled,
            opted_out=prefs.opted_out,
        )
    )
    if form.validate_on_submit():
        save_preferences(
            patient,
            Preferences(
                form.am_time.minutes,
                form.pm_time.minutes,
                form.timezone.data,
                form.quiet_start.minutes,
                form.quiet_end.minutes,
                form.email_enabled.data,
                form.opted_out.data,
            ),
            user=current_user,
        )
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
    latest = latest_aftercare(patient.id)
    rules = []
    if latest is not None:
        rules = [
            (rule, *rule_window(rule, latest.session_ended_at)) for rule in latest.procedure.aftercare_rules
        ]
    record("aftercare.view", patient_id=patient.id, object_type="patient", object_id=patient.id)
    return render_template(
        "portal/aftercare.html", latest=latest, rules=rules, now=now_utc(), zone=ZoneInfo(patient.timezone)
    )


def treating_dermatologist(patient_id: int, clinic_id: int) -> int | None:
    """Who gets a patient's report: the dermatologist who last recorded a procedure or built a routine,
    else the clinic's first active dermatologist."""
    from clinic.routines.models import AftercareRecord, Routine

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
