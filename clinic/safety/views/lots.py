"""Recalling or quarantining a lot (admins), the recall report and its CSV (admins and dermatologists), and the
clinic's safety settings (admins)."""

from __future__ import annotations

import io

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record
from clinic.catalog.access import get_catalog_row
from clinic.catalog.models import ProductLot
from clinic.catalog.views.products import copy_columns
from clinic.checkins.settings import checkin_settings, save_checkin_settings
from clinic.exports import CsvWriter
from clinic.extensions import db
from clinic.roles import Role
from clinic.safety import recalls
from clinic.safety.forms import RecallForm, SafetySettingsForm
from clinic.safety.settings import safety_settings
from clinic.safety.views.blueprint import bp
from clinic.validation import Invalid, attach_problems


@bp.route("/lots/<int:lot_id>/recall", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def recall_lot(lot_id: int):
    lot = get_catalog_row(ProductLot, lot_id)
    form = RecallForm()
    if lot.in_use and form.validate_on_submit():
        try:
            notified = recalls.recall_lot(lot, form.status.data, form.reason.data, current_user)
            flash(
                f"Lot {lot.lot_number} is {lot.status}: it can no longer be recorded in a session and its stock is "
                f"frozen. {notified} patient notice(s) queued; their dermatologists have an inbox item.",
                "success",
            )
            return redirect(url_for("safety.recall_report", lot_id=lot.id))
        except Invalid as problems:
            attach_problems(form, problems.problems)
    return render_template("safety/recall.html", lot=lot, form=form), 422 if form.errors else 200


def _report(lot_id: int, action: str):
    lot = get_catalog_row(ProductLot, lot_id)
    rows = recalls.recall_report(lot)
    recalls.audit_report(lot, rows, action)
    record(action, object_type="product_lot", object_id=lot.id, detail=f"lot {lot.lot_number}: {len(rows)} session(s)")
    return lot, rows


@bp.get("/lots/<int:lot_id>/report")
@role_required(Role.ADMIN, Role.DERMATOLOGIST)
def recall_report(lot_id: int):
    lot, rows = _report(lot_id, "lot.recall_report")
    return render_template("safety/recall_report.html", lot=lot, rows=rows)


@bp.get("/lots/<int:lot_id>/report.csv")
@role_required(Role.ADMIN, Role.DERMATOLOGIST)
def recall_report_csv(lot_id: int):
    lot, rows = _report(lot_id, "lot.recall_report_export")
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(
        [
            "lot_number",
            "product",
            "lot_status",
            "status_changed_utc",
            "record_number",
            "last_name",
            "first_name",
            "session_id",
            "session_utc",
            "session_status",
            "notice_status",
            "notice_queued_utc",
            "notice_sent_utc",
            "dermatologists_told_utc",
        ]
    )
    for row in rows:
        writer.writerow(
            (
                lot.lot_number,
                lot.product.display_name,
                lot.status,
                lot.status_changed_at.isoformat() if lot.status_changed_at else "",
                row.patient.record_number,
                row.patient.last_name,
                row.patient.first_name,
                row.session_id,
                row.started_at.isoformat(),
                row.status,
                row.notice.status if row.notice else ("no e-mail" if not lot.in_use else ""),
                row.notice.created_at.isoformat() if row.notice else "",
                row.notice.sent_at.isoformat() if row.notice and row.notice.sent_at else "",
                row.dermatologists_told_at.isoformat() if row.dermatologists_told_at else "",
            )
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="lot-{lot.id}-recall-report.csv"'},
    )


@bp.route("/settings", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def settings():
    """Signal thresholds and the recall notice (`safety_settings`), and the aftercare check-ins' red-flag pain
    and answer window (`checkin_settings`, owned by checkins, which reads them)."""
    row = safety_settings(current_user.clinic_id)
    checkin = checkin_settings(current_user.clinic_id)
    form = SafetySettingsForm(obj=row, checkin_red_flag_pain=checkin.red_flag_pain, checkin_open_days=checkin.open_days)
    if form.validate_on_submit():
        try:
            save_checkin_settings(
                row.clinic_id,
                red_flag_pain=form.checkin_red_flag_pain.data,
                open_days=form.checkin_open_days.data,
                by=current_user,
            )
            copy_columns(form, row)
            db.session.add(row)  # the defaults become the clinic's row on its first save
            row.recall_notice = (form.recall_notice.data or "").strip() or None
            record("safety.settings", object_type="safety_settings", object_id=row.clinic_id)
            flash("Saved the safety settings.", "success")
            return redirect(url_for("safety.settings"))
        except Invalid as problems:
            attach_problems(form, {f"checkin_{name}": text for name, text in problems.problems.items()})
    return render_template("safety/settings.html", form=form), 422 if form.errors else 200
