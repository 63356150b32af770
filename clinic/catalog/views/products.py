"""Catalog admin pages (admins only) and the lot recall list (admins and dermatologists)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from clinic.access import deny, role_required
from clinic.catalog import services
from clinic.catalog.access import get_catalog_row
from clinic.catalog.forms import (
    AftercareRuleForm,
    ContraindicationRuleForm,
    ProcedureForm,
    ProductForm,
    ProtocolForm,
    TreatmentLimitForm,
)
from clinic.catalog.limits import LIMIT_DEFAULTS, clinic_limits, set_limit
from clinic.catalog.models import (
    AftercareRule,
    ContraindicationRule,
    Procedure,
    Product,
    ProductLot,
    Protocol,
)
from clinic.catalog.rules import RULE_CODES
from clinic.catalog.stock import stock_warnings
from clinic.catalog.views.blueprint import bp
from clinic.clinics.services import clinic_today
from clinic.extensions import db
from clinic.roles import Role
from clinic.validation import Invalid, attach_problems


def copy_columns(form, obj) -> None:
    """Like populate_obj, but only into the model's own columns (never ids, tags or buttons)."""
    columns = set(sa.inspect(type(obj)).columns.keys()) - {"id", "clinic_id", "procedure_id"}
    for field in form:
        if field.name in columns:
            setattr(obj, field.name, field.data)


def form_page(form, title: str, back: str, status: int = 200):
    return render_template("catalog/form.html", form=form, title=title, back=back), status


def _clinic_rows(model, *order):
    return db.session.scalars(sa.select(model).where(model.clinic_id == current_user.clinic_id).order_by(*order)).all()


@bp.get("")
@role_required(Role.ADMIN)
def index():
    return render_template(
        "catalog/index.html",
        products=_clinic_rows(Product, Product.brand, Product.name),
        procedures=_clinic_rows(Procedure, Procedure.name),
        rules=_clinic_rows(ContraindicationRule, ContraindicationRule.position),
        lots=_clinic_rows(ProductLot, ProductLot.expires_on),
        warnings=stock_warnings(current_user.clinic_id, clinic_today()),
        rule_codes=RULE_CODES,
        limits=[(code, LIMIT_DEFAULTS[code], bounds) for code, bounds in clinic_limits(current_user.clinic_id).items()],
        today=clinic_today(),
    )


def _save_product(product: Product, form: ProductForm, creating: bool):
    if form.validate_on_submit():
        try:
            services.check_product_unique(product, form.brand.data, form.name.data)
        except Invalid as problems:
            attach_problems(form, problems.problems)
            return form_page(form, "Product", url_for("catalog.index"), 422)
        copy_columns(form, product)
        product.exosome_source = form.exosome_source.data or None
        services.set_product_tags(product, form.tags.data or [])
        if creating:
            db.session.add(product)
        flash(f"Saved {product.display_name}.", "success")
        return redirect(url_for("catalog.index"))
    return form_page(form, "Product", url_for("catalog.index"), 422 if form.errors else 200)


@bp.route("/products/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_product():
    product = Product(clinic_id=current_user.clinic_id)
    product.tag_rows = []
    return _save_product(product, ProductForm(), creating=True)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_product(product_id: int):
    product = get_catalog_row(Product, product_id)
    form = ProductForm(obj=product)
    if not form.is_submitted():
        form.tags.data = product.tags
        form.exosome_source.data = product.exosome_source or ""
    return _save_product(product, form, creating=False)


@bp.route("/procedures/<int:procedure_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_procedure(procedure_id: int):
    procedure = get_catalog_row(Procedure, procedure_id)
    form = ProcedureForm(obj=procedure)
    if form.validate_on_submit():
        copy_columns(form, procedure)
        flash(f"Saved {procedure.name}.", "success")
        return redirect(url_for("catalog.view_procedure", procedure_id=procedure.id))
    return form_page(form, f"Procedure: {procedure.name}", url_for("catalog.index"), 422 if form.errors else 200)


@bp.get("/procedures/<int:procedure_id>")
@role_required(Role.ADMIN)
def view_procedure(procedure_id: int):
    procedure = get_catalog_row(Procedure, procedure_id)
    return render_template("catalog/procedure.html", procedure=procedure)


@bp.route("/protocols/<int:protocol_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_protocol(protocol_id: int):
    protocol = get_catalog_row(Protocol, protocol_id)
    form = ProtocolForm(obj=protocol)
    if not form.is_submitted():
        form.induction_day_offsets.data = ", ".join(map(str, protocol.induction_day_offsets or []))
        form.checkpoint_months.data = ", ".join(map(str, protocol.checkpoint_months or []))
    back = url_for("catalog.view_procedure", procedure_id=protocol.procedure_id)
    if form.validate_on_submit():
        try:
            services.apply_protocol(protocol, form)
            flash("Protocol saved.", "success")
            return redirect(back)
        except Invalid as problems:
            attach_problems(form, problems.problems)
    return form_page(form, f"Protocol: {protocol.name}", back, 422 if form.errors else 200)


def _save_aftercare(rule: AftercareRule, form: AftercareRuleForm, procedure: Procedure):
    back = url_for("catalog.view_procedure", procedure_id=procedure.id)
    if form.validate_on_submit():
        copy_columns(form, rule)
        rule.ingredient_tag = form.ingredient_tag.data or None
        rule.step_slot = form.step_slot.data or None
        rule.position = form.position.data or 0
        if rule.id is None:
            procedure.aftercare_rules.append(rule)
        flash("Aftercare rule saved. New sessions use it; logged sessions keep their copy.", "success")
        return redirect(back)
    return form_page(form, f"Aftercare: {procedure.name}", back, 422 if form.errors else 200)


@bp.route("/procedures/<int:procedure_id>/aftercare/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_aftercare(procedure_id: int):
    procedure = get_catalog_row(Procedure, procedure_id)
    return _save_aftercare(AftercareRule(), AftercareRuleForm(), procedure)


@bp.route("/aftercare/<int:rule_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_aftercare(rule_id: int):
    rule = get_catalog_row(AftercareRule, rule_id)
    form = AftercareRuleForm(obj=rule)
    if not form.is_submitted():
        form.ingredient_tag.data, form.step_slot.data = rule.ingredient_tag or "", rule.step_slot or ""
    return _save_aftercare(rule, form, rule.procedure)


@bp.route("/rules/<int:rule_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_rule(rule_id: int):
    rule = get_catalog_row(ContraindicationRule, rule_id)
    form = ContraindicationRuleForm(obj=rule)
    if form.validate_on_submit():
        copy_columns(form, rule)
        flash(f"Saved the rule “{rule.label}”.", "success")
        return redirect(url_for("catalog.index") + "#rules")
    return form_page(
        form, f"Contraindication rule ({rule.code})", url_for("catalog.index"), 422 if form.errors else 200
    )


@bp.route("/limits/<code>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_limit(code: str):
    if code not in LIMIT_DEFAULTS:
        deny(404, detail=f"treatment limit {code} unknown")
    label, unit, _, _ = LIMIT_DEFAULTS[code]
    low, high = clinic_limits(current_user.clinic_id)[code]
    form = TreatmentLimitForm(low=low, high=high)
    if form.validate_on_submit():
        set_limit(current_user.clinic_id, code, form.low.data, form.high.data)
        flash(f"{label}: accepted from {form.low.data} to {form.high.data} {unit}.", "success")
        return redirect(url_for("catalog.index") + "#limits")
    return form_page(form, f"Accepted range: {label} ({unit})", url_for("catalog.index"), 422 if form.errors else 200)
