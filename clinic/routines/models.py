"""Routines a clinic sets up for a patient, their steps, aftercare windows and the adherence log.

A routine day is the patient's LOCAL date; aftercare windows are UTC time windows over ingredient tags,
applied to every step whenever it exists (see `routines/windows.py`), so steps added after a session pause
too, and everything resumes by itself without anyone clearing a flag.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from clinic.catalog.models import Procedure, Product
from clinic.db import Base, TimestampMixin, UTCDateTime, now_utc

SLOTS: dict[str, str] = {"am": "Morning (AM)", "pm": "Evening (PM)"}
FREQUENCIES: dict[str, str] = {
    "daily": "Daily",
    "every_other_day": "Every other day",
    "weekdays": "Chosen weekdays",
}
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ADHERENCE_STATUSES = ("done", "skipped")


class Routine(TimestampMixin, Base):
    __tablename__ = "routine"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    concern: Mapped[str] = mapped_column(sa.String(30))
    goal: Mapped[str] = mapped_column(sa.String(200))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    patient_ref = relationship("Patient", lazy="joined")
    steps: Mapped[list[RoutineStep]] = relationship(
        back_populates="routine",
        cascade="all, delete-orphan",
        order_by="(RoutineStep.slot, RoutineStep.position, RoutineStep.id)",
    )

    __table_args__ = (sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_order"),)

    #: Template steps the home-product rules refused when the template was copied (not stored).
    refused_steps = ()

    def is_active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class RoutineStep(TimestampMixin, Base):
    """One thing to do in the AM or PM slot: a catalog product or a free-text step ("gentle cleanse")."""

    __tablename__ = "routine_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    routine_id: Mapped[int] = mapped_column(sa.ForeignKey("routine.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product.id"), index=True)
    label: Mapped[str | None] = mapped_column(sa.String(120))
    slot: Mapped[str] = mapped_column(sa.String(2))
    position: Mapped[int] = mapped_column(default=0)
    frequency: Mapped[str] = mapped_column(sa.String(16), default="daily")
    #: ISO weekday numbers 0 (Mon)–6 (Sun) as digits, e.g. "024" = Mon, Wed, Fri; only for `weekdays`.
    weekdays: Mapped[str | None] = mapped_column(sa.String(7))
    start_offset_days: Mapped[int] = mapped_column(default=0)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    instructions: Mapped[str | None] = mapped_column(sa.Text)
    #: Set on a recovery step (the aftercare record that first added it). A recovery step is planned only
    #: while an `add_step` window covers it; one row per product (or label) and slot serves every window.
    aftercare_id: Mapped[int | None] = mapped_column(sa.ForeignKey("aftercare_record.id"), index=True)
    #: Estimated run-out of the product (recomputed when the step is saved or refilled).
    opened_on: Mapped[date | None] = mapped_column(sa.Date)
    runs_out_on: Mapped[date | None] = mapped_column(sa.Date, index=True)

    routine: Mapped[Routine] = relationship(back_populates="steps")
    product: Mapped[Product | None] = relationship(lazy="joined")
    #: Warnings of the home-product rules staff added the step despite, with their reasons (routines/safety.py).
    overrides: Mapped[list[StepOverride]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="StepOverride.code"
    )
    logs: WriteOnlyMapped[AdherenceLog] = relationship(
        back_populates="step", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        sa.CheckConstraint("slot IN ('am', 'pm')", name="slot"),
        sa.CheckConstraint("frequency IN ('daily', 'every_other_day', 'weekdays')", name="frequency"),
        sa.CheckConstraint(
            "frequency <> 'weekdays' OR (weekdays IS NOT NULL AND weekdays <> '')", name="weekdays_chosen"
        ),
        sa.CheckConstraint("product_id IS NOT NULL OR label IS NOT NULL", name="product_or_label"),
        sa.CheckConstraint("start_offset_days >= 0", name="offset_not_negative"),
    )

    @property
    def name(self) -> str:
        return self.label or (self.product.display_name if self.product else "Step")

    @property
    def tags(self) -> list[str]:
        return self.product.tags if self.product else []

    @property
    def weekday_numbers(self) -> set[int]:
        return {int(ch) for ch in (self.weekdays or "")}

    @property
    def is_recovery(self) -> bool:
        return self.aftercare_id is not None


class StepOverride(Base):
    """A home-product warning (catalog.rules code) staff kept a step despite, and why: like the pre-check's
    override reasons. A hard stop can never be overridden."""

    __tablename__ = "routine_step_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("routine_step.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    reason: Mapped[str] = mapped_column(sa.String(500))
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    __table_args__ = (sa.UniqueConstraint("step_id", "code", name="uq_routine_step_override_step_code"),)


class AftercareRecord(Base):
    """A procedure a patient had, recorded so that its aftercare rules pause and add routine steps."""

    __tablename__ = "aftercare_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    procedure_id: Mapped[int] = mapped_column(sa.ForeignKey("procedure.id"))
    session_ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The in-office session (treatments feature) that triggered it, when there is one.
    session_ref: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    procedure: Mapped[Procedure] = relationship(lazy="joined")
    windows: Mapped[list[RoutineWindow]] = relationship(
        back_populates="aftercare", order_by="(RoutineWindow.position, RoutineWindow.id)"
    )


class RoutineWindow(Base):
    """One aftercare rule over time: pause steps whose product has `ingredient_tag`, add a recovery step, or
    advise, while `starts_at <= t < ends_at` (UTC). A snapshot of the rule when it was applied, so catalog
    edits do not rewrite history; staff may move `ends_at` (adjust or end early).

    Pauses are computed from these rows whenever a day is shown, for every step that exists then.
    """

    __tablename__ = "routine_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"))
    aftercare_id: Mapped[int | None] = mapped_column(sa.ForeignKey("aftercare_record.id"), index=True)
    #: Set on a pause before a booked procedure: the window follows that appointment (routines/preparation.py).
    appointment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("appointment.id", ondelete="CASCADE"), index=True)
    #: The procedure of that appointment (what the portal names: "Paused before your microneedling ...").
    procedure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("procedure.id"))
    action: Mapped[str] = mapped_column(sa.String(12))
    ingredient_tag: Mapped[str | None] = mapped_column(sa.String(30))
    label: Mapped[str] = mapped_column(sa.String(160))
    patient_instruction: Mapped[str | None] = mapped_column(sa.Text)
    step_slot: Mapped[str | None] = mapped_column(sa.String(4))
    position: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    aftercare: Mapped[AftercareRecord | None] = relationship(back_populates="windows", lazy="joined")
    procedure: Mapped[Procedure | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("ends_at >= starts_at", name="window_order"),
        sa.CheckConstraint("action IN ('pause_tag', 'add_step', 'advise')", name="action"),
        sa.CheckConstraint("action <> 'pause_tag' OR ingredient_tag IS NOT NULL", name="pause_needs_tag"),
        sa.Index("ix_routine_window_patient_ends", "patient_id", "ends_at"),
    )

    def covers(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at

    def fits_slot(self, slot: str) -> bool:
        return self.step_slot in (None, "both", slot)


class AdherenceLog(Base):
    """A patient ticked (done) or skipped a step on a local date. One row per step and local date."""

    __tablename__ = "adherence_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("routine_step.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"))
    local_date: Mapped[date] = mapped_column(sa.Date)
    slot: Mapped[str] = mapped_column(sa.String(2))
    status: Mapped[str] = mapped_column(sa.String(8))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    step: Mapped[RoutineStep] = relationship(back_populates="logs")

    __table_args__ = (
        sa.UniqueConstraint("step_id", "local_date", name="uq_adherence_log_step_date"),
        sa.CheckConstraint("status IN ('done', 'skipped')", name="status"),
        sa.CheckConstraint("slot IN ('am', 'pm')", name="slot"),
        sa.Index("ix_adherence_log_patient_date", "patient_id", "local_date"),
    )
