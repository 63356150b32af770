"""Lot pages on the catalog blueprint: adding and editing lots (admins). Who received a lot is a
treatments page (treatments/views/recalls.py)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.catalog import services
from clinic.catalog.access import get_catalog_row
from clinic.catalog.forms import LotForm
from clinic.catalog.models import Product, ProductLot
from clinic.catalog.views.blueprint import bp
from clinic.catalog.views.products import copy_columns, form_page
from clinic.extensions import db
from clinic.roles import Role
from clinic.validation import Invalid, attach_problems


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
    lot = get_catalog_row(ProductLot, lot_id)
    return _save_lot(lot, _lot_form(lot))
