"""Staff lists across patients: lowest adherence and the dermatologist's problem-report inbox."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record, record_each
from clinic.clinics.services import clinic_today
from clinic.extensions import db
from clinic.roles import CLINICAL_STAFF, Role
from clinic.routines import problems
from clinic.routines.access import get_problem_report
from clinic.routines.clinic_stats import lowest_adherence
from clinic.routines.forms import ProblemReplyForm
from clinic.routines.problems import ProblemReport
from clinic.routines.views.blueprint import bp


@bp.get("/routines/adherence")
@role_required(*CLINICAL_STAFF)
def clinic_adherence():
    rows = lowest_adherence(current_user.clinic_id, clinic_today())
    record_each("routine.adherence_list", [row.patient_id for row in rows], detail=f"{len(rows)} patients")
    return render_template("routines/adherence_list.html", rows=rows)


@bp.get("/routines/inbox")
@role_required(Role.DERMATOLOGIST)
def inbox():
    reports = db.session.scalars(
        sa.select(ProblemReport)
        .where(
            ProblemReport.clinic_id == current_user.clinic_id,
            ProblemReport.dermatologist_id == current_user.id,
        )
        .order_by((ProblemReport.urgent & ProblemReport.read_at.is_(None)).desc(), ProblemReport.reported_at.desc())
        .limit(100)
    ).all()
    for report in reports:
        record("problem.view", patient_id=report.patient_id, object_type="problem_report", object_id=report.id)
    html = render_template("routines/inbox.html", reports=reports)
    return html


@bp.route("/routines/problems/<int:report_id>", methods=["GET", "POST"])
@role_required(*CLINICAL_STAFF)
def problem_thread(report_id: int):
    """One report and its replies; clinical staff of the clinic may answer the patient."""
    report = get_problem_report(report_id)
    form = ProblemReplyForm()
    if form.validate_on_submit():
        problems.reply(report, form.message.data, by=current_user)
        flash(f"Reply sent; {report.patient.first_name} gets a notice to read it in the portal.", "success")
        return redirect(url_for("routines.problem_thread", report_id=report.id))
    problems.mark_read(report, current_user)
    record("problem.view", patient_id=report.patient_id, object_type="problem_report", object_id=report.id)
    html = render_template("routines/problem_thread.html", report=report, form=form)
    return html, 422 if form.errors else 200
