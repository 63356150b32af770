"""Lot pages on the catalog blueprint: adding and editing lots (admins), and "who received lot X" with its
CSV export (admins and dermatologists; every patient listed is audited)."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.auth.roles import Role
from clinic.catalog import services
from clinic.catalog.forms import LotForm
from clinic.catalog.models import Product, ProductLot
from clinic.catalog.views import bp, copy_columns, form_page, scoped_row
from clinic.extensions import db
from clinic.treatments.errors import Invalid
from clinic.treatments.view_helpers import attach_problems


def _lot_form(lot: ProductLot) -> LotForm:
    form = LotForm(obj=lot)
    form.product_id.choices = [
        (p.id, p.display_name)
        for p in db.session.scalars(
            sa.select(Product)
            .where(Product.clinic_id == current_user.clinic_id, Product.use != "home")
            .order_by(Product.brand, Product.name)
        )
    ]
    if not form.is_submitted():
        form.source.data = lot.source or ""
    return form


def _save_lot(lot: ProductLot, form: LotForm):
    if form.validate_on_submit():
        try:
            services.check_lot_unique(lot, form.product_id.data, form.lot_number.data)
            copy_columns(form, lot)
            lot.product_id = form.product_id.data
            lot.lot_number = lot.lot_number.strip()
            lot.source = form.source.data or None
            db.session.add(lot)
            flash(f"Saved lot {lot.lot_number}.", "success")
            return redirect(url_for("catalog.index") + "#lots")
        except Invalid as problems:
            attach_problems(form, problems.problems)
    return form_page(form, "Lot", url_for("catalog.index"), 422 if form.errors else 200)


@bp.route("/lots/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_lot():
    lot = ProductLot(clinic_id=current_user.clinic_id)
    return _save_lot(lot, _lot_form(lot))


@bp.route("/lots/<int:lot_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_lot(lot_id: int):
    lot = scoped_row(ProductLot, lot_id)
    return _save_lot(lot, _lot_form(lot))


@bp.get("/lots/<int:lot_id>/patients")
@role_required(Role.ADMIN, Role.DERMATOLOGIST)
def lot_patients(lot_id: int):
    lot = scoped_row(ProductLot, lot_id)
    recipients = services.lot_recipients(lot)
    services.audit_recall(lot, recipients, "lot.recall_view")
    recipients = services.lot_recipients(lot)  # reloaded in one query: the commit expired the rows
    return render_template("catalog/lot_patients.html", lot=lot, recipients=recipients)


@bp.get("/lots/<int:lot_id>/patients.csv")
@role_required(Role.ADMIN, Role.DERMATOLOGIST)
def lot_patients_csv(lot_id: int):
    lot = scoped_row(ProductLot, lot_id)
    recipients = services.lot_recipients(lot)
    services.audit_recall(lot, recipients, "lot.recall_export")
    recipients = services.lot_recipients(lot)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "record_number",
            "last_name",
            "first_name",
            "email",
            "phone",
            "session_id",
            "session_utc",
            "volume_ml",
            "lot_number",
            "product",
        ]
    )
    for r in recipients:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    r.patient.record_number,
                    r.patient.last_name,
                    r.patient.first_name,
                    r.patient.email,
                    r.patient.phone,
                    r.session_id,
                    r.started_at.isoformat(),
                    r.volume_ml,
                    lot.lot_number,
                    lot.product.display_name,
                )
            ]
        )
    filename = f"lot-{lot.id}-recipients.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cell(value) -> str:
    """CSV cell safe to open in a spreadsheet: no formula injection."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
