"""The audit log, for admins."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.models import AuditEvent
from clinic.auth.roles import Role
from clinic.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.get("")
@role_required(Role.ADMIN)
def list_events():
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.clinic_id == current_user.clinic_id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=50, error_out=False)
    return render_template("audit/list.html", page=page)
