"""Safety: the clinic's safety settings, the staff safety inbox, structured adverse events (linked to session,
procedure, products and lots) and the signals the signal check raised.

Sits above treatments and routines (it reads sessions, lots and problem reports) and below portal and api.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.db import Base, UTCDateTime, now_utc

#: FDA Form 3500 box B2 outcomes attributed to the event, plus "non_serious".
SERIOUSNESS: dict[str, str] = {
    "non_serious": "Not serious",
    "required_intervention": "Required intervention to prevent permanent impairment",
    "hospitalization": "Hospitalization (initial or prolonged)",
    "disability": "Disability or permanent damage",
    "life_threatening": "Life-threatening",
    "death": "Death",
    "other_serious": "Other serious (important medical event)",
}
OUTCOMES: dict[str, str] = {
    "recovered": "Recovered",
    "recovering": "Recovering",
    "not_recovered": "Not recovered",
    "recovered_with_sequelae": "Recovered with lasting effects",
    "fatal": "Fatal",
    "unknown": "Unknown",
}
INBOX_KINDS: dict[str, str] = {"lot_recall": "Lot recall", "signal": "Safety signal"}
SIGNAL_KINDS: dict[str, str] = {"lot_cluster": "Events cluster on one lot", "product_rate": "Product event rate"}


class SafetySettings(Base):
    """Per-clinic safety defaults an admin can change: signal thresholds and the recall notice's wording."""

    __tablename__ = "safety_settings"

    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), primary_key=True)
    lot_cluster_events: Mapped[int] = mapped_column(default=2)
    lot_cluster_days: Mapped[int] = mapped_column(default=30)
    rate_window_days: Mapped[int] = mapped_column(default=90)
    rate_multiplier: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("2"))
    #: The patient-facing recall notice; None: the translated default (safety.notices.DEFAULT_NOTICE).
    recall_notice: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (
        sa.CheckConstraint("lot_cluster_events >= 2", name="cluster_events_min"),
        sa.CheckConstraint("lot_cluster_days > 0 AND rate_window_days > 0", name="windows_positive"),
        sa.CheckConstraint("rate_multiplier > 0", name="multiplier_positive"),
    )


class InboxItem(Base):
    """Something a staff member must look at: a recall of a lot their patient received, or a signal."""

    __tablename__ = "safety_inbox_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    title: Mapped[str] = mapped_column(sa.String(300))
    lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product_lot.id"))
    signal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("safety_signal.id"))
    #: One item per reason per person: `lot:<id>` or `signal:<id>` (a re-run adds nothing).
    dedupe_key: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lot = relationship("ProductLot")
    signal = relationship("SafetySignal")

    __table_args__ = (
        sa.UniqueConstraint("user_id", "dedupe_key", name="uq_safety_inbox_item_user_key"),
        sa.CheckConstraint("kind IN ('lot_recall', 'signal')", name="kind"),
    )


class AdverseEvent(Base):
    """An adverse event, recorded by a clinician from a session or classified from a patient's problem report."""

    __tablename__ = "adverse_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("treatment_session.id"), index=True)
    procedure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("procedure.id"))
    problem_report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("problem_report.id"), unique=True)
    description: Mapped[str] = mapped_column(sa.Text)
    onset_on: Mapped[date] = mapped_column(sa.Date)
    seriousness: Mapped[str] = mapped_column(sa.String(24))
    outcome: Mapped[str] = mapped_column(sa.String(24))
    action_taken: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    patient = relationship("Patient")
    session = relationship("TreatmentSession")
    procedure = relationship("Procedure")
    recorded_by = relationship("User")
    lots: Mapped[list[AdverseEventLot]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="AdverseEventLot.id", lazy="selectin"
    )

    __table_args__ = (
        sa.Index("ix_adverse_event_clinic_onset", "clinic_id", "onset_on"),
        sa.CheckConstraint(f"seriousness IN ({', '.join(repr(k) for k in SERIOUSNESS)})", name="seriousness"),
        sa.CheckConstraint(f"outcome IN ({', '.join(repr(k) for k in OUTCOMES)})", name="outcome"),
    )

    @property
    def serious(self) -> bool:
        return self.seriousness != "non_serious"


class AdverseEventLot(Base):
    """A product (and the lot of it, when known) an adverse event names."""

    __tablename__ = "adverse_event_lot"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("adverse_event.id"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product_lot.id"), index=True)

    event: Mapped[AdverseEvent] = relationship(back_populates="lots")
    product = relationship("Product", lazy="joined")
    lot = relationship("ProductLot", lazy="joined")

    __table_args__ = (sa.UniqueConstraint("event_id", "product_id", "lot_id", name="uq_adverse_event_lot"),)


class SafetySignal(Base):
    """What the signal check found: a lot cluster or a product's high event rate, with the events behind it.

    `key` names the subject and the exact set of events, so a re-run over the same events adds nothing; a new
    event that joins a cluster makes a new signal (new evidence)."""

    __tablename__ = "safety_signal"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    key: Mapped[str] = mapped_column(sa.String(80))
    summary: Mapped[str] = mapped_column(sa.Text)
    lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product_lot.id"))
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product.id"))
    procedure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("procedure.id"))
    event_ids: Mapped[list[int]] = mapped_column(sa.JSON)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    __table_args__ = (
        sa.UniqueConstraint("clinic_id", "key", name="uq_safety_signal_clinic_key"),
        sa.CheckConstraint("kind IN ('lot_cluster', 'product_rate')", name="kind"),
    )
