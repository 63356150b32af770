"""Clinic-wide treatment reports on the treatments blueprint: the adverse-events list, and the
`flask treatments verify-signatures` check of every signed session."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import render_template
from flask_login import current_user
from sqlalchemy.orm import selectinload

from clinic.access import role_required
from clinic.audit.services import record
from clinic.extensions import db
from clinic.roles import CLINICAL_STAFF
from clinic.treatments.amendments import chain_problem, current_value
from clinic.treatments.models import Amendment, TreatmentSession
from clinic.treatments.signing import verify_signature
from clinic.treatments.views.blueprint import bp

REPORT_LIMIT = 200


def _adverse_query(clinic_id: int):
    amended = sa.select(Amendment.session_id).where(sa.cast(Amendment.changes, sa.String).like('%"adverse_events"%'))
    return (
        sa.select(TreatmentSession)
        .where(
            TreatmentSession.clinic_id == clinic_id,
            sa.or_(sa.func.coalesce(TreatmentSession.adverse_events, "") != "", TreatmentSession.id.in_(amended)),
        )
        .order_by(TreatmentSession.started_at.desc(), TreatmentSession.id.desc())
        .limit(REPORT_LIMIT)
    )


@bp.get("/treatments/adverse-events")
@role_required(*CLINICAL_STAFF)
def adverse_events():
    """Every session of the clinic with an adverse event recorded (or amended in), newest first."""
    ids = db.session.scalars(_adverse_query(current_user.clinic_id)).all()
    for session in ids:
        record(
            "treatment.adverse_events",
            patient_id=session.patient_id,
            object_type="treatment_session",
            object_id=session.id,
        )
    sessions = db.session.scalars(
        _adverse_query(current_user.clinic_id).options(
            selectinload(TreatmentSession.patient),
            selectinload(TreatmentSession.procedure),
            selectinload(TreatmentSession.amendments),
        )
    ).all()
    rows = [(s, current_value(s, "adverse_events")) for s in sessions]
    return render_template("treatments/adverse_events.html", rows=rows)


@bp.cli.command("verify-signatures")
def verify_signatures() -> None:
    """Recompute the hash of every signed session and of its chain of amendments; list and fail on any that
    no longer match."""
    bad = checked = amendments = 0
    for session in db.session.scalars(sa.select(TreatmentSession).where(TreatmentSession.status == "signed")):
        checked += 1
        amendments += len(session.amendments)
        if not verify_signature(session):
            bad += 1
            click.echo(f"MISMATCH session {session.id} (patient {session.patient_id})")
        elif problem := chain_problem(session):
            bad += 1
            click.echo(f"BROKEN AMENDMENT CHAIN session {session.id} (patient {session.patient_id}): {problem}")
    click.echo(
        f"{checked} signed session(s) checked, {bad} mismatch(es). {amendments} amendment(s) checked in their chains."
    )
    if bad:
        sys.exit(1)
