"""/api/v1 products and their lots (read only; the catalog is edited on the admin's pages), and the follow-up
queue (read only; the same query as the follow-up page, audited per patient shown like the page)."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import validate

from clinic.access import role_required
from clinic.api.schemas import DecimalString, PageQuery, page_of, paged
from clinic.api.spec import documents
from clinic.catalog.access import get_catalog_row
from clinic.catalog.models import Product, ProductLot
from clinic.extensions import db
from clinic.roles import CLINICAL_STAFF, STAFF
from clinic.scheduling.audit import record_viewed
from clinic.scheduling.followups import KIND_LABELS, follow_up_queue

blp = Blueprint("api_catalog", __name__, url_prefix="/api/v1", description="Products, lots and the follow-up queue")


class LotSchema(ma.Schema):
    id = ma.fields.Integer()
    product_id = ma.fields.Integer()
    lot_number = ma.fields.String()
    expires_on = ma.fields.Date()
    manufacturer = ma.fields.String(allow_none=True)
    source = ma.fields.String(allow_none=True)
    quantity_on_hand = ma.fields.Integer()
    low_stock = ma.fields.Boolean()


class ProductSchema(ma.Schema):
    id = ma.fields.Integer()
    brand = ma.fields.String()
    name = ma.fields.String()
    category = ma.fields.String()
    use = ma.fields.String()
    size_ml = DecimalString(allow_none=True)
    price = DecimalString(allow_none=True)
    ingredients = ma.fields.String(allow_none=True)
    exosome_source = ma.fields.String(allow_none=True)
    usage_instructions = ma.fields.String(allow_none=True)
    active = ma.fields.Boolean()
    tags = ma.fields.List(ma.fields.String())


class ProductQuery(PageQuery):
    active = ma.fields.Boolean(metadata={"description": "Only active (true) or retired (false) products"})
    sort = ma.fields.String(load_default="name", validate=validate.OneOf(["name", "brand", "id"]))


class FollowUpSchema(ma.Schema):
    kind = ma.fields.String(metadata={"enum": list(KIND_LABELS)})
    label = ma.fields.String()
    due_on = ma.fields.Date()
    window_closes_on = ma.fields.Date(allow_none=True)
    patient_id = ma.fields.Integer(attribute="patient.id")
    series_id = ma.fields.Integer(attribute="series.id", allow_none=True)
    appointment_id = ma.fields.Integer(attribute="appointment.id", allow_none=True)
    appointment_type_id = ma.fields.Integer(attribute="appointment_type.id")
    last_contact_on = ma.fields.Date(attribute="last_contact.contacted_on", allow_none=True)


class FollowUpQuery(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


ProductPage = paged(ProductSchema, "ProductPage")
FollowUpPageSchema = paged(FollowUpSchema, "FollowUpPage")
PRODUCT_SORTS = {"name": (Product.name,), "brand": (Product.brand, Product.name), "id": ()}


@blp.get("/products")
@role_required(*STAFF)
@blp.arguments(ProductQuery, location="query", unknown=ma.RAISE)
@blp.etag
@blp.response(200, ProductPage)
@documents(blp)
def list_products(args):
    """The clinic's products (home and in-office)."""
    select = sa.select(Product).where(Product.clinic_id == current_user.clinic_id)
    if "active" in args:
        select = select.where(Product.active.is_(args["active"]))
    items, meta = page_of(select.order_by(*PRODUCT_SORTS[args["sort"]], Product.id), args, db)
    return {"items": items, "meta": meta}


@blp.get("/products/<int:product_id>")
@role_required(*STAFF)
@blp.etag
@blp.response(200, ProductSchema)
@documents(blp, 404)
def read_product(product_id: int):
    return get_catalog_row(Product, product_id)


@blp.get("/products/<int:product_id>/lots")
@role_required(*STAFF)
@blp.etag
@blp.response(200, LotSchema(many=True))
@documents(blp, 404)
def list_lots(product_id: int):
    """A product's lots, soonest expiry first (lot numbers are what recalls name)."""
    product = get_catalog_row(Product, product_id)
    return db.session.scalars(
        sa.select(ProductLot).where(ProductLot.product_id == product.id).order_by(ProductLot.expires_on, ProductLot.id)
    ).all()


@blp.get("/follow-ups")
@role_required(*CLINICAL_STAFF)
@blp.arguments(FollowUpQuery, location="query", unknown=ma.RAISE)
@blp.etag
@blp.response(200, FollowUpPageSchema)
@documents(blp)
def follow_ups(args):
    """The follow-up queue: overdue sessions, closing windows, due checkpoints and no-shows, most urgent first."""
    page = follow_up_queue(current_user.clinic, page=args["page"])
    record_viewed("followup.view", {item.patient.id for item in page.items}, f"api follow-up queue page {page.page}")
    meta = {"page": page.page, "page_size": len(page.items), "total": page.total, "pages": page.pages}
    return {"items": page.items, "meta": meta}
