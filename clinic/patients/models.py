"""The patient record: demographics, contact, skin type, concerns and the medical-history answers
that the contraindication rules read. Patients are archived, never deleted."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.db import Base, TimestampMixin, UTCDateTime
from clinic.i18n import N_

CONCERNS: dict[str, str] = {
    "aging": N_("Aging"),
    "pigmentation": N_("Pigmentation"),
    "rosacea": N_("Rosacea"),
    "hair_loss": N_("Hair loss"),
    "dryness": N_("Dryness"),
    "texture": N_("Texture"),
    "acne_scars": N_("Acne scars"),
}
SEXES: dict[str, str] = {
    "female": N_("Female"),
    "male": N_("Male"),
    "intersex": N_("Intersex"),
    "unknown": N_("Not stated"),
}
FITZPATRICK = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}


class Patient(TimestampMixin, Base):
    __tablename__ = "patient"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    record_number: Mapped[str] = mapped_column(sa.String(16), unique=True)
    first_name: Mapped[str] = mapped_column(sa.String(80))
    last_name: Mapped[str] = mapped_column(sa.String(80), index=True)
    date_of_birth: Mapped[date] = mapped_column(sa.Date, index=True)
    sex: Mapped[str] = mapped_column(sa.String(10), default="unknown")
    email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    #: Digits of `phone` only, so "(555) 010-2233" is found by "5550102233".
    phone_digits: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    address: Mapped[str | None] = mapped_column(sa.Text)
    timezone: Mapped[str] = mapped_column(sa.String(64))
    fitzpatrick: Mapped[int | None] = mapped_column(sa.SmallInteger)
    allergies: Mapped[str | None] = mapped_column(sa.Text)
    medications: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    #: The patient's id in the system the clinic moved from (imports match on it); unique within a clinic.
    external_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: The language of the patient's portal pages, e-mails and texts ('en', 'es'); NULL follows the browser.
    language: Mapped[str | None] = mapped_column(sa.String(8))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_reason: Mapped[str | None] = mapped_column(sa.String(300))
    version: Mapped[int] = mapped_column(default=1)

    concern_rows: Mapped[list[PatientConcern]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", order_by="PatientConcern.concern"
    )
    history: Mapped[MedicalHistory | None] = relationship(back_populates="patient", uselist=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("fitzpatrick IS NULL OR fitzpatrick BETWEEN 1 AND 6", name="fitzpatrick"),
        sa.CheckConstraint("sex IN ('female', 'male', 'intersex', 'unknown')", name="sex"),
        sa.Index("ix_patient_clinic_external_id", "clinic_id", "external_id", unique=True),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def concerns(self) -> list[str]:
        return [row.concern for row in self.concern_rows]

    @property
    def fitzpatrick_label(self) -> str | None:
        return FITZPATRICK.get(self.fitzpatrick) if self.fitzpatrick else None

    def __repr__(self) -> str:
        return f"<Patient {self.id} {self.record_number}>"


class PatientConcern(Base):
    """One row per concern, so "every patient with hair loss" is a plain indexed query."""

    __tablename__ = "patient_concern"

    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), primary_key=True)
    concern: Mapped[str] = mapped_column(sa.String(20), primary_key=True, index=True)

    patient: Mapped[Patient] = relationship(back_populates="concern_rows")


class MedicalHistory(TimestampMixin, Base):
    """The answers the contraindication rules read (DOMAIN.md), re-confirmed at every check-in.

    Dates are the day something last happened (filler, toxin, peel...) so the rules can compute windows.
    """

    __tablename__ = "medical_history"

    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), primary_key=True)
    pregnant: Mapped[bool] = mapped_column(default=False)
    breastfeeding: Mapped[bool] = mapped_column(default=False)
    isotretinoin: Mapped[str] = mapped_column(sa.String(10), default="never")  # never | current | stopped
    isotretinoin_stopped_on: Mapped[date | None] = mapped_column(sa.Date)
    anticoagulants: Mapped[bool] = mapped_column(default=False)
    bleeding_disorder: Mapped[bool] = mapped_column(default=False)
    keloid_history: Mapped[bool] = mapped_column(default=False)
    hsv_history: Mapped[bool] = mapped_column(default=False)
    hsv_prophylaxis: Mapped[bool] = mapped_column(default=False)
    active_infection: Mapped[bool] = mapped_column(default=False)
    open_wound: Mapped[bool] = mapped_column(default=False)
    skin_flare: Mapped[bool] = mapped_column(default=False)  # active acne/eczema/psoriasis/rosacea flare
    diabetes: Mapped[str] = mapped_column(sa.String(12), default="none")  # none | controlled | uncontrolled
    cancer_treatment: Mapped[bool] = mapped_column(default=False)  # current chemotherapy or radiotherapy
    anaesthetic_allergy: Mapped[bool] = mapped_column(default=False)
    filler_on: Mapped[date | None] = mapped_column(sa.Date)
    surgery_on: Mapped[date | None] = mapped_column(sa.Date)
    neuromodulator_on: Mapped[date | None] = mapped_column(sa.Date)
    deep_peel_on: Mapped[date | None] = mapped_column(sa.Date)
    laser_or_ipl_on: Mapped[date | None] = mapped_column(sa.Date)
    recent_sunburn: Mapped[bool] = mapped_column(default=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    version: Mapped[int] = mapped_column(default=1)

    patient: Mapped[Patient] = relationship(back_populates="history")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("isotretinoin IN ('never', 'current', 'stopped')", name="isotretinoin"),
        sa.CheckConstraint("diabetes IN ('none', 'controlled', 'uncontrolled')", name="diabetes"),
    )
