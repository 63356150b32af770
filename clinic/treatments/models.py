"""In-office treatment sessions: what was done, with which lots, the pre-check it passed, the aftercare
windows it set, its signature and later amendments; and outcome scores at checkpoints.

A session is a draft until a dermatologist signs it; after that neither the session nor its child rows
may change (treatments.guards refuses the flush). Corrections are `Amendment` rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.db import Base, TimestampMixin, UTCDateTime, now_utc

#: Decimal places kept for every measured setting (depths, volumes, fluence, spot size): what the instruments
#: give (a 0.135 mm spot, a 0.005 ml syringe step). Services refuse more places rather than round them away.
MEASURE_PLACES = 3
#: Up to 9999.999: room for every accepted range (fluence up to 200 J/cm², volumes up to 10 ml).
Measure = sa.Numeric(7, MEASURE_PLACES)

SESSION_STATUSES = ("draft", "signed")


class TreatmentSession(TimestampMixin, Base):
    __tablename__ = "treatment_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    procedure_id: Mapped[int] = mapped_column(sa.ForeignKey("procedure.id"))
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    assistant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The pre-check as it was: findings, override reasons, who confirmed the history and when.
    precheck: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: The signed consent the session rests on (None when the procedure needs none).
    consent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("consent.id"))
    #: The appointment the session was started from (at most one session per appointment).
    appointment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("appointment.id"), unique=True)
    device: Mapped[str | None] = mapped_column(sa.String(120))
    anaesthetic: Mapped[str | None] = mapped_column(sa.String(120))
    #: Session-wide passes and laser settings: only in sessions signed before settings became per area
    #: (migration 0053). They stay as signed (a signed record is frozen); new records keep them per area.
    passes: Mapped[int | None] = mapped_column()
    laser_wavelength_nm: Mapped[int | None] = mapped_column()
    laser_fluence_j_cm2: Mapped[Decimal | None] = mapped_column(Measure)
    laser_spot_size_mm: Mapped[Decimal | None] = mapped_column(Measure)
    skin_response: Mapped[str | None] = mapped_column(sa.Text)
    adverse_events: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    signature_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    version: Mapped[int] = mapped_column(default=1)

    patient = relationship("Patient")
    procedure = relationship("Procedure")
    provider = relationship("User", foreign_keys=[provider_id])
    assistant = relationship("User", foreign_keys=[assistant_id])
    signed_by = relationship("User", foreign_keys=[signed_by_id])
    consent = relationship("Consent")
    appointment = relationship("Appointment")
    areas: Mapped[list[SessionArea]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionArea.position"
    )
    injection_sites: Mapped[list[InjectionSite]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="InjectionSite.position"
    )
    products: Mapped[list[SessionProduct]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionProduct.position"
    )
    aftercare: Mapped[list[SessionAftercare]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionAftercare.position"
    )
    amendments: Mapped[list[Amendment]] = relationship(
        back_populates="session", order_by="(Amendment.created_at, Amendment.id)"
    )

    @property
    def precheck_run_at(self) -> datetime | None:
        """When the pre-check ran (stored as UTC ISO text in the snapshot), as an aware datetime to show in
        the clinic's zone."""
        run_at = (self.precheck or {}).get("run_at")
        if not run_at:
            return None
        value = datetime.fromisoformat(run_at)
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("status IN ('draft', 'signed')", name="status"),
        sa.CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
        sa.CheckConstraint(
            "status = 'draft' OR (signed_at IS NOT NULL AND signature_sha256 IS NOT NULL)",
            name="signed_complete",
        ),
    )

    @property
    def is_signed(self) -> bool:
        return self.status == "signed"

    @property
    def total_injection_ml(self) -> Decimal:
        return sum((site.volume_ml for site in self.injection_sites), Decimal("0"))

    def __repr__(self) -> str:
        return f"<TreatmentSession {self.id} {self.status}>"


class SessionArea(Base):
    """An area treated, with the settings used there: needle depth (mm) when the procedure needles, passes,
    and the laser's wavelength, fluence and spot size (they differ between areas in practice)."""

    __tablename__ = "session_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("treatment_session.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    area: Mapped[str] = mapped_column(sa.String(60))
    needle_depth_mm: Mapped[Decimal | None] = mapped_column(Measure)
    passes: Mapped[int | None] = mapped_column()
    laser_wavelength_nm: Mapped[int | None] = mapped_column()
    laser_fluence_j_cm2: Mapped[Decimal | None] = mapped_column(Measure)
    laser_spot_size_mm: Mapped[Decimal | None] = mapped_column(Measure)

    session: Mapped[TreatmentSession] = relationship(back_populates="areas")

    @property
    def settings(self) -> tuple:
        """Passes and laser settings (for the signed content; all None in records made before 0053)."""
        return (self.passes, self.laser_wavelength_nm, self.laser_fluence_j_cm2, self.laser_spot_size_mm)


class InjectionSite(Base):
    __tablename__ = "injection_site"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("treatment_session.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    site: Mapped[str] = mapped_column(sa.String(60))
    volume_ml: Mapped[Decimal] = mapped_column(Measure)
    #: Injection depth (mm); intradermal for scalp exosome.
    depth_mm: Mapped[Decimal | None] = mapped_column(Measure)

    session: Mapped[TreatmentSession] = relationship(back_populates="injection_sites")

    __table_args__ = (sa.CheckConstraint("volume_ml > 0", name="volume_positive"),)


class SessionProduct(Base):
    """A product applied in the session, from which lot, how much (ml) and how many units left stock."""

    __tablename__ = "session_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("treatment_session.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id"))
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("product_lot.id"), index=True)
    volume_ml: Mapped[Decimal] = mapped_column(Measure)
    units_used: Mapped[int] = mapped_column(default=1)

    session: Mapped[TreatmentSession] = relationship(back_populates="products")
    product = relationship("Product")
    lot = relationship("ProductLot")

    __table_args__ = (
        sa.CheckConstraint("volume_ml > 0", name="volume_positive"),
        sa.CheckConstraint("units_used >= 1", name="units_positive"),
    )


class SessionAftercare(Base):
    """One aftercare rule applied by a session, with its window in UTC: what the routines feature reads.

    A copy of the procedure's AftercareRule at the time (so later catalog edits do not rewrite history).
    `action` is pause_tag (pause home steps whose product has `ingredient_tag`), add_step (add a recovery step
    for `ingredient_tag` in `step_slot`) or advise; the window is [starts_at, ends_at).
    """

    __tablename__ = "session_aftercare"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("treatment_session.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"))
    aftercare_rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("aftercare_rule.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)
    action: Mapped[str] = mapped_column(sa.String(12))
    ingredient_tag: Mapped[str | None] = mapped_column(sa.String(30))
    label: Mapped[str] = mapped_column(sa.String(160))
    patient_instruction: Mapped[str | None] = mapped_column(sa.Text)
    step_slot: Mapped[str | None] = mapped_column(sa.String(4))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    session: Mapped[TreatmentSession] = relationship(back_populates="aftercare")

    __table_args__ = (
        sa.Index("ix_session_aftercare_patient_window", "patient_id", "ends_at"),
        sa.CheckConstraint("ends_at > starts_at", name="window_order"),
    )


class Amendment(Base):
    """A dated correction to a signed session: who, why, and each field's old and new value; hashed and chained
    to the signature (treatments.amendments)."""

    __tablename__ = "session_amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("treatment_session.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    reason: Mapped[str] = mapped_column(sa.Text)
    changes: Mapped[list[dict]] = mapped_column(sa.JSON)
    #: The hash this amendment follows: the session's signature, or the previous amendment's `sha256`.
    previous_sha256: Mapped[str] = mapped_column(sa.String(64))
    #: SHA-256 over this amendment's content and `previous_sha256`.
    sha256: Mapped[str] = mapped_column(sa.String(64))

    session: Mapped[TreatmentSession] = relationship(back_populates="amendments")
    author = relationship("User")

    __table_args__ = (sa.UniqueConstraint("session_id", "previous_sha256", name="uq_session_amendment_previous"),)


class OutcomeScore(Base):
    """A score on one scale at a checkpoint. `value` is numeric for charting; `label` is what was recorded
    (e.g. Norwood "IIIa"); MASI/mMASI keep their regional components."""

    __tablename__ = "outcome_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("treatment_session.id"))
    scale: Mapped[str] = mapped_column(sa.String(20))
    checkpoint: Mapped[str] = mapped_column(sa.String(12))
    recorded_on: Mapped[date] = mapped_column(sa.Date)
    value: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))
    label: Mapped[str] = mapped_column(sa.String(20))
    components: Mapped[dict | None] = mapped_column(sa.JSON)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    recorded_by = relationship("User")

    __table_args__ = (sa.Index("ix_outcome_score_patient_scale", "patient_id", "scale", "recorded_on"),)


from clinic.treatments import guards  # noqa: E402,F401 - registers the signed-session flush guard
