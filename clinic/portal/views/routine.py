"""Portal pages around the routine: history, reminder settings, aftercare, report a problem, my data."""

from __future__ import annotations

import calendar
import json
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record
from clinic.db import now_utc
from clinic.limits import parse_day
from clinic.patients.access import get_patient
from clinic.patients.services import set_language
from clinic.portal.forms import LanguageForm, ProblemForm, format_minutes, reminder_settings_form
from clinic.portal.views.blueprint import bp
from clinic.reminders.preferences import Preferences, get_preferences, save_preferences
from clinic.roles import Role
from clinic.routines import problems
from clinic.routines.access import get_problem_report
from clinic.routines.aftercare import aftercare_overview
from clinic.routines.export import patient_export
from clinic.routines.forms import ProblemReplyForm
from clinic.routines.services import local_today
from clinic.routines.stats import adherence_pct, adherence_series, current_streak
from clinic.routines.windows import until_text


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
    record("routine.view", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="history")
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
        today=today,
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
        chosen = Preferences(
            form.am_time.minutes,
            form.pm_time.minutes,
            form.timezone.data,
            form.quiet_start.minutes,
            form.quiet_end.minutes,
            channels=dict(prefs.channels),
        )
        save_preferences(patient, form.apply_choices(chosen), user=current_user, source="portal")
        flash(_("Reminder settings saved."), "success")
        return redirect(url_for(".reminder_settings"))
    record(
        "reminders.preferences_view",
        patient_id=patient.id,
        object_type="reminder_preference",
        object_id=patient.id,
    )
    language_form = LanguageForm(formdata=None, language=patient.language or "")
    html = render_template("portal/reminders.html", form=form, language_form=language_form)
    return html, 422 if form.errors else 200


@bp.post("/language")
@role_required(Role.PATIENT)
def language():
    """The patient's language for the portal, e-mails and texts (the reminder settings page's second form)."""
    patient = get_patient(current_user.patient_id)
    form = LanguageForm()
    if form.validate_on_submit():
        set_language(patient, form.language.data or None)
        flash(_("Language saved."), "success")
    else:
        flash(_("Choose a language from the list."), "danger")
    return redirect(url_for(".reminder_settings"))


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


@bp.route("/report-problem", methods=["GET", "POST"])
@role_required(Role.PATIENT)
def report_problem():
    patient = get_patient(current_user.patient_id)
    form = ProblemForm()
    if form.validate_on_submit():
        report = problems.report_problem(patient, form.message.data, by=current_user)
        flash(_("Thank you. Your dermatologist has your message and will get back to you."), "success")
        return redirect(url_for(".problem_thread", report_id=report.id))
    return render_template("portal/report_problem.html", form=form), 422 if form.errors else 200


@bp.get("/problems")
@role_required(Role.PATIENT)
def problem_list():
    """The patient's own reports, newest first, with how many replies each has."""
    patient = get_patient(current_user.patient_id)
    reports = problems.for_patient(patient)
    record("problem.list", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="portal")
    return render_template("portal/problems.html", reports=reports)


@bp.route("/problems/<int:report_id>", methods=["GET", "POST"])
@role_required(Role.PATIENT)
def problem_thread(report_id: int):
    """The patient's report and the clinic's replies; the patient may add to the thread."""
    report = get_problem_report(report_id)
    form = ProblemReplyForm()
    if form.validate_on_submit():
        problems.reply(report, form.message.data, by=current_user)
        flash(_("Your message is sent."), "success")
        return redirect(url_for(".problem_thread", report_id=report.id))
    record("problem.view", patient_id=report.patient_id, object_type="problem_report", object_id=report.id)
    html = render_template("portal/problem_thread.html", report=report, form=form)
    return html, 422 if form.errors else 200


@bp.get("/my-data.json")
@role_required(Role.PATIENT)
def my_data():
    patient = get_patient(current_user.patient_id)
    body = json.dumps(patient_export(patient), indent=2, ensure_ascii=False)
    record("patient.export", patient_id=patient.id, object_type="patient", object_id=patient.id, detail="json")
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="my-data-{patient.record_number}.json"'},
    )
