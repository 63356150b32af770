"""Consent: versioned consent forms per procedure (and one for photos), and signed consents that freeze the
exact text, the signer's typed name, the signature (drawn, or the typed name adopted as the signature), time,
IP and method. Consents expire or are revoked;
a signed consent is never edited or deleted."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from clinic.db import Base, UTCDateTime, now_utc
from clinic.i18n import N_

CONSENT_KINDS: dict[str, str] = {"treatment": N_("Treatment"), "photo": N_("Photographs")}
SIGNING_METHODS: dict[str, str] = {
    "staff_tablet": N_("Signed on a staff tablet"),
    "portal": N_("Signed in the portal"),
}
#: How the signature itself was given. Equal methods: the typed name works by keyboard and without JavaScript.
SIGNATURE_METHODS: dict[str, str] = {
    "typed": N_("Typed name, agreed as the signature"),
    "drawn": N_("Drawn signature"),
}


class ConsentForm(Base):
    """One version of a consent text. A new version is a new row; the newest active one is offered."""

    __tablename__ = "consent_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    procedure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("procedure.id"))
    version: Mapped[int] = mapped_column(default=1)
    #: The language of the text ('en', 'es'). A version number is one text; each language is a row of it.
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    title: Mapped[str] = mapped_column(sa.String(160))
    #: May contain {product_sources}: replaced at signing by the in-office exosome products and their sources.
    body: Mapped[str] = mapped_column(sa.Text)
    valid_months: Mapped[int] = mapped_column(default=12)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    procedure = relationship("Procedure")

    __table_args__ = (
        sa.UniqueConstraint("clinic_id", "kind", "procedure_id", "version", "language", name="uq_consent_form_version"),
        sa.CheckConstraint("kind IN ('treatment', 'photo')", name="kind"),
        sa.CheckConstraint("kind = 'photo' OR procedure_id IS NOT NULL", name="treatment_has_procedure"),
        sa.CheckConstraint("valid_months > 0", name="valid_months_positive"),
    )


class Consent(Base):
    """A signed consent. Everything the patient agreed to is copied in, so later form edits change nothing."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("consent_form.id"))
    kind: Mapped[str] = mapped_column(sa.String(10))
    procedure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("procedure.id"))
    title: Mapped[str] = mapped_column(sa.String(160))
    form_version: Mapped[int] = mapped_column()
    #: The language of the text signed (the form version's).
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    text: Mapped[str] = mapped_column(sa.Text)
    signer_name: Mapped[str] = mapped_column(sa.String(120))
    #: The drawn signature; None when the signer adopted their typed name as the signature.
    signature_png: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    #: SHA-256 of the PNG (drawn) or of the typed signature statement (typed; see services.typed_signature).
    signature_sha256: Mapped[str] = mapped_column(sa.String(64))
    signature_method: Mapped[str] = mapped_column(sa.String(10), default="drawn", server_default="drawn")
    method: Mapped[str] = mapped_column(sa.String(20))
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    witnessed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    revoke_reason: Mapped[str | None] = mapped_column(sa.String(500))
    #: The exosome sources the signed text named (EXOSOME_SOURCES codes); None for consents signed before
    #: sources were recorded (migration 0120) and for photo consents.
    product_sources: Mapped[list[str] | None] = mapped_column(sa.JSON)

    procedure = relationship("Procedure")
    witnessed_by = relationship("User", foreign_keys=[witnessed_by_id])

    __table_args__ = (
        sa.Index("ix_consent_patient_kind", "patient_id", "kind", "procedure_id"),
        sa.CheckConstraint("kind IN ('treatment', 'photo')", name="kind"),
        sa.CheckConstraint("method IN ('staff_tablet', 'portal')", name="method"),
        sa.CheckConstraint("signature_method IN ('drawn', 'typed')", name="signature_method"),
        sa.CheckConstraint("signature_method = 'typed' OR signature_png IS NOT NULL", name="drawn_has_png"),
        sa.CheckConstraint("expires_at > signed_at", name="expires_after_signing"),
    )

    def is_valid(self, at: datetime) -> bool:
        return self.revoked_at is None and self.signed_at <= at < self.expires_at

    def status(self, at: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "valid" if at < self.expires_at else "expired"


REVOCATION_FIELDS = {"revoked_at", "revoked_by_id", "revoke_reason"}


def refuse_consent_changes(session: Session, flush_context, instances) -> None:  # noqa: ARG001
    """A signed consent is frozen: only its revocation may be recorded, and it is never deleted."""
    for obj in session.deleted:
        if isinstance(obj, Consent):
            raise PermissionError("signed consents are never deleted")
    for obj in session.dirty:
        if isinstance(obj, Consent):
            state = sa.inspect(obj)
            changed = {a.key for a in state.attrs if a.history.has_changes()}
            if changed - REVOCATION_FIELDS:
                raise PermissionError("a signed consent cannot be changed, only revoked")


sa.event.listen(Session, "before_flush", refuse_consent_changes)
