"""The audit log, for admins: filter by user, patient, action, outcome and dates; paginated."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.forms import AuditFilterForm
from clinic.audit.people import patient_names, staff_choices
from clinic.audit.services import AuditFilter, audit_query, named_counts, record
from clinic.clinics.services import clinic_zone
from clinic.extensions import db
from clinic.roles import Role

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _filter_form() -> AuditFilterForm:
    form = AuditFilterForm(formdata=request.args or None)
    form.user_id.choices = [("", "Anyone"), *staff_choices(current_user.clinic_id)]
    return form


@bp.get("")
@role_required(Role.ADMIN)
def list_events():
    form = _filter_form()
    if request.args and not form.validate():
        return render_template("audit/list.html", form=form, page=None, page_args={}, named={}), 400
    filters = AuditFilter(
        user_id=form.user_id.data,
        patient_id=form.patient_id.data,
        action=form.action.data,
        outcome=form.outcome.data or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )
    query = audit_query(current_user.clinic_id, clinic_zone(), filters)
    page = db.paginate(
        query,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config.get("AUDIT_EVENTS_PER_PAGE", 50),
        error_out=False,
    )
    page_args = {k: v for k, v in request.args.items() if k not in ("page", "submit") and v}
    record("audit.list", detail=" ".join(f"{k}={v}" for k, v in sorted(page_args.items())))
    named = named_counts(page.items)
    names = patient_names({e.patient_id for e in page.items if e.patient_id})
    html = render_template(
        "audit/list.html", form=form, page=page, page_args=page_args, named=named, patient_names=names
    )
    return html
