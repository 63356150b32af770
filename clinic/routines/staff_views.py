"""Staff lists across patients: lowest adherence and the dermatologist's problem-report inbox."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record, record_each
from clinic.auth.roles import CLINICAL_STAFF, Role
from clinic.clinics.services import clinic_today
from clinic.extensions import db
from clinic.routines.clinic_stats import lowest_adherence
from clinic.routines.problems import ProblemReport
from clinic.routines.views import bp


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
        .order_by(ProblemReport.reported_at.desc())
        .limit(100)
    ).all()
    for report in reports:
        record(
            "problem.view", patient_id=report.patient_id, object_type="problem_report", object_id=report.id
        )
    html = render_template("routines/inbox.html", reports=reports)
    return html
