"""The clinic's catalog: products (home and in-office), procedures, series protocols and aftercare rules.

Every number is a per-clinic default that an admin can change (DOMAIN.md), so it lives in rows, not code.
`catalog/defaults.py` holds the seed values.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.db import Base, TimestampMixin, UTCDateTime

PRODUCT_CATEGORIES: dict[str, str] = {
    "cleanser": "Cleanser",
    "toner": "Toner",
    "serum": "Serum",
    "moisturiser": "Moisturiser",
    "spf": "Sunscreen (SPF)",
    "treatment": "Treatment",
    "in_office_exosome": "In-office exosome",
    "anaesthetic": "Anaesthetic",
    "other": "Other",
}
INGREDIENT_TAGS: dict[str, str] = {
    "retinoid": "Retinoid (OTC)",
    "prescription_retinoid": "Prescription retinoid",
    "aha": "AHA",
    "bha": "BHA",
    "vitamin_c": "Vitamin C",
    "benzoyl_peroxide": "Benzoyl peroxide",
    "scrub": "Physical scrub",
    "exosome": "Exosomes",
    "hyaluronic_acid": "Hyaluronic acid",
    "spf": "SPF",
    "ectoine": "Ectoine",
    "squalane": "Squalane",
    "vitamin_e": "Vitamin E",
    "bergamot": "Bergamot oil",
    "niacinamide": "Niacinamide",
    "peptide": "Peptides",
    "gentle_cleanser": "Gentle cleanser",
}
#: Where a product's or lot's exosomes come from, as the manufacturer declares it.
EXOSOME_SOURCES: dict[str, str] = {
    "human_bone_marrow_msc": "Human bone-marrow stem-cell derived",
    "human_adipose_msc": "Human adipose stem-cell derived",
    "human_umbilical_msc": "Human umbilical-cord stem-cell derived",
    "plant": "Plant derived",
    "bovine_milk": "Bovine-milk derived",
    "undisclosed": "Not disclosed by the manufacturer",
}
#: A lot in use, or taken out of use by an admin (never recorded in a session again, its stock frozen).
LOT_STATUSES: dict[str, str] = {"active": "In use", "recalled": "Recalled", "quarantined": "Quarantined"}
PRODUCT_USES: dict[str, str] = {"home": "At home", "in_office": "In office", "both": "Home and in office"}
PROCEDURE_KINDS: dict[str, str] = {
    "microneedling": "Microneedling + topical exosome",
    "laser": "Laser + topical exosome",
    "scalp_topical": "Scalp exosome (topical with microneedling)",
    "scalp_injection": "Scalp exosome injection",
}
AFTERCARE_ACTIONS: dict[str, str] = {
    "pause_tag": "Pause home products with an ingredient",
    "add_step": "Add a recovery step",
    "advise": "Advice only",
}

Money = sa.Numeric(10, 2)
Millilitres = sa.Numeric(8, 2)


class Product(TimestampMixin, Base):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    brand: Mapped[str] = mapped_column(sa.String(80))
    name: Mapped[str] = mapped_column(sa.String(120))
    category: Mapped[str] = mapped_column(sa.String(20))
    size_ml: Mapped[Decimal | None] = mapped_column(Millilitres)
    price: Mapped[Decimal | None] = mapped_column(Money)
    ingredients: Mapped[str | None] = mapped_column(sa.Text)
    exosome_source: Mapped[str | None] = mapped_column(sa.String(30))
    usage_instructions: Mapped[str | None] = mapped_column(sa.Text)
    use: Mapped[str] = mapped_column(sa.String(10), default="home")
    #: Millilitres one application uses; with size_ml it gives the run-out estimate.
    ml_per_use: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 3))
    active: Mapped[bool] = mapped_column(default=True)

    tag_rows: Mapped[list[ProductTag]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductTag.tag", lazy="selectin"
    )

    __table_args__ = (
        sa.UniqueConstraint("clinic_id", "brand", "name", name="uq_product_clinic_brand_name"),
        sa.CheckConstraint("use IN ('home', 'in_office', 'both')", name="use"),
        sa.CheckConstraint("size_ml IS NULL OR size_ml > 0", name="size_positive"),
        sa.CheckConstraint("price IS NULL OR price >= 0", name="price_not_negative"),
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @property
    def display_name(self) -> str:
        return f"{self.brand} {self.name}"

    def __repr__(self) -> str:
        return f"<Product {self.id} {self.display_name!r}>"


class ProductTag(Base):
    """An ingredient tag of a product (retinoid, vitamin C, exosome...): what aftercare pauses key on."""

    __tablename__ = "product_tag"

    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(sa.String(30), primary_key=True, index=True)

    product: Mapped[Product] = relationship(back_populates="tag_rows")


class Procedure(TimestampMixin, Base):
    __tablename__ = "procedure"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(20))
    description: Mapped[str | None] = mapped_column(sa.Text)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    requires_consent: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)

    protocols: Mapped[list[Protocol]] = relationship(back_populates="procedure", order_by="Protocol.id")
    aftercare_rules: Mapped[list[AftercareRule]] = relationship(
        back_populates="procedure", cascade="all, delete-orphan", order_by="AftercareRule.position"
    )

    __table_args__ = (
        sa.UniqueConstraint("clinic_id", "code", name="uq_procedure_clinic_code"),
        sa.CheckConstraint("kind IN ('microneedling', 'laser', 'scalp_topical', 'scalp_injection')", name="kind"),
        sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
    )

    @property
    def default_protocol(self) -> Protocol | None:
        return self.protocols[0] if self.protocols else None

    def __repr__(self) -> str:
        return f"<Procedure {self.code}>"


class Protocol(TimestampMixin, Base):
    """A series: an induction phase plus an optional maintenance interval and outcome checkpoints.

    The induction phase is either fixed day offsets (scalp: 1, 15, 45, 75, 105, day 1 being the first
    session) or a session count with a minimum and maximum interval (face: 4 sessions 28–42 days apart).
    """

    __tablename__ = "protocol"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    procedure_id: Mapped[int] = mapped_column(sa.ForeignKey("procedure.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    induction_day_offsets: Mapped[list[int] | None] = mapped_column(sa.JSON)
    induction_count: Mapped[int | None] = mapped_column()
    min_interval_days: Mapped[int | None] = mapped_column()
    max_interval_days: Mapped[int | None] = mapped_column()
    maintenance_interval_days: Mapped[int | None] = mapped_column()
    checkpoint_months: Mapped[list[int]] = mapped_column(sa.JSON, default=lambda: [0, 3, 6, 9])
    active: Mapped[bool] = mapped_column(default=True)

    procedure: Mapped[Procedure] = relationship(back_populates="protocols")

    __table_args__ = (
        sa.CheckConstraint(
            "min_interval_days IS NULL OR max_interval_days IS NULL OR min_interval_days <= max_interval_days",
            name="interval_order",
        ),
    )

    @property
    def session_count(self) -> int:
        if self.induction_day_offsets:
            return len(self.induction_day_offsets)
        return self.induction_count or 0

    def __repr__(self) -> str:
        return f"<Protocol {self.id} {self.name!r}>"


class AftercareRule(Base):
    """One line of a procedure's aftercare: pause an ingredient, add a recovery step, or advise.

    The window runs from `starts_after_hours` to `starts_after_hours + window_hours` after the session ends.
    """

    __tablename__ = "aftercare_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(sa.ForeignKey("procedure.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    action: Mapped[str] = mapped_column(sa.String(12))
    ingredient_tag: Mapped[str | None] = mapped_column(sa.String(30))
    label: Mapped[str] = mapped_column(sa.String(160))
    patient_instruction: Mapped[str | None] = mapped_column(sa.Text)
    starts_after_hours: Mapped[int] = mapped_column(default=0)
    window_hours: Mapped[int] = mapped_column()
    step_slot: Mapped[str | None] = mapped_column(sa.String(4))  # am | pm | both, for add_step

    procedure: Mapped[Procedure] = relationship(back_populates="aftercare_rules")

    __table_args__ = (
        sa.CheckConstraint("action IN ('pause_tag', 'add_step', 'advise')", name="action"),
        sa.CheckConstraint("window_hours > 0", name="window_positive"),
        sa.CheckConstraint("starts_after_hours >= 0", name="start_not_negative"),
        sa.CheckConstraint("action <> 'pause_tag' OR ingredient_tag IS NOT NULL", name="pause_needs_tag"),
    )


RULE_SEVERITIES: dict[str, str] = {"hard_stop": "Hard stop", "warn": "Warning (override with a reason)"}


class ContraindicationRule(TimestampMixin, Base):
    """One contraindication check a clinic runs at every pre-check (evaluated by treatments/rules.py).

    `code` picks the check; the clinic chooses its label, severity, whether it runs, and its window
    (`window_months` / `window_days`) or threshold (`threshold`, e.g. the lowest Fitzpatrick type warned).
    """

    __tablename__ = "contraindication_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    label: Mapped[str] = mapped_column(sa.String(160))
    severity: Mapped[str] = mapped_column(sa.String(10))
    enabled: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    window_months: Mapped[int | None] = mapped_column()
    window_days: Mapped[int | None] = mapped_column()
    threshold: Mapped[int | None] = mapped_column()

    __table_args__ = (
        sa.UniqueConstraint("clinic_id", "code", name="uq_contraindication_rule_clinic_code"),
        sa.CheckConstraint("severity IN ('hard_stop', 'warn')", name="severity"),
        sa.CheckConstraint("window_months IS NULL OR window_months >= 0", name="months_not_negative"),
        sa.CheckConstraint("window_days IS NULL OR window_days >= 0", name="days_not_negative"),
    )


class PrepSettings(TimestampMixin, Base):
    """Before a procedure (DOMAIN.md defaults, one row per clinic once an admin saves them): home steps with
    `pause_tags` pause `pause_days` before it; a laser/IPL session or sunburn within `recent_laser_days`
    warns the booker; with a cold-sore history the antiviral reminder starts `antiviral_days` before."""

    __tablename__ = "prep_settings"

    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), primary_key=True)
    pause_days: Mapped[int] = mapped_column(default=7)
    pause_tags: Mapped[str] = mapped_column(sa.String(200), default="retinoid aha bha")
    recent_laser_days: Mapped[int] = mapped_column(default=14)
    antiviral_days: Mapped[int] = mapped_column(default=2)

    __table_args__ = (
        sa.CheckConstraint("pause_days >= 0", name="pause_days_not_negative"),
        sa.CheckConstraint("recent_laser_days >= 0", name="laser_days_not_negative"),
        sa.CheckConstraint("antiviral_days >= 0", name="antiviral_days_not_negative"),
    )

    @property
    def tags(self) -> list[str]:
        return [tag for tag in (self.pause_tags or "").replace(",", " ").split() if tag]


class ProductLot(TimestampMixin, Base):
    """A delivered lot of an in-office product; sessions draw units from it (see treatments.stock)."""

    __tablename__ = "product_lot"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id"), index=True)
    lot_number: Mapped[str] = mapped_column(sa.String(60))
    expires_on: Mapped[date] = mapped_column(sa.Date)
    manufacturer: Mapped[str | None] = mapped_column(sa.String(120))
    source: Mapped[str | None] = mapped_column(sa.String(30))
    quantity_on_hand: Mapped[int] = mapped_column(default=0)
    low_stock_threshold: Mapped[int] = mapped_column(default=3)
    #: active, recalled or quarantined (safety.recalls sets it, once, with a reason).
    status: Mapped[str] = mapped_column(sa.String(12), default="active", server_default="active")
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    product: Mapped[Product] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("product_id", "lot_number", name="uq_product_lot_product_number"),
        sa.CheckConstraint("quantity_on_hand >= 0", name="quantity_not_negative"),
        sa.CheckConstraint("low_stock_threshold >= 0", name="threshold_not_negative"),
        sa.CheckConstraint("status IN ('active', 'recalled', 'quarantined')", name="status"),
    )

    @property
    def in_use(self) -> bool:
        return self.status == "active"

    @property
    def declared_source(self) -> str | None:
        """The exosome source the lot's manufacturer declares, else the product's; None for a non-exosome lot."""
        return self.source or self.product.exosome_source

    @property
    def source_label(self) -> str:
        source = self.declared_source
        return EXOSOME_SOURCES.get(source, source) if source else "Not an exosome product"

    def is_expired(self, on: date) -> bool:
        return self.expires_on < on

    def expires_soon(self, on: date, days: int = 30) -> bool:
        return not self.is_expired(on) and (self.expires_on - on).days <= days

    @property
    def low_stock(self) -> bool:
        return self.quantity_on_hand <= self.low_stock_threshold

    def __repr__(self) -> str:
        return f"<ProductLot {self.id} {self.lot_number!r}>"
