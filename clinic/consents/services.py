"""Consent rules: which form version is offered, signing (text frozen), validity, revocation, gating."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from clinic.audit.services import record
from clinic.catalog.models import EXOSOME_SOURCES, Procedure, Product, ProductLot
from clinic.consents.models import Consent, ConsentForm
from clinic.consents.signature import BadSignature, decode_signature
from clinic.db import now_utc
from clinic.extensions import db
from clinic.validation import Invalid

#: The language a consent is offered in when the reader's has no text of the newest version.
FALLBACK_LANGUAGE = "en"


class ConsentMissing(Exception):
    """The procedure needs a valid signed consent and the patient has none."""

    def __init__(self, procedure: Procedure):
        super().__init__(f"{procedure.name} needs a valid signed consent; the patient has none.")
        self.procedure = procedure


def current_forms(clinic_id: int, language: str = "en") -> list[ConsentForm]:
    """The newest active version of each form (per kind and procedure), in `language` when that version has
    it, else in English (else in whichever language it has). A reader is never offered an older text in their
    language while a newer version exists: a new version is signed in English until it is translated."""
    forms = db.session.scalars(
        sa.select(ConsentForm)
        .where(ConsentForm.clinic_id == clinic_id, ConsentForm.active)
        .order_by(ConsentForm.kind, ConsentForm.procedure_id, ConsentForm.version.desc(), ConsentForm.id)
    ).all()
    preference = {language: 0, FALLBACK_LANGUAGE: 1}
    chosen: dict[tuple[str, int | None], ConsentForm] = {}
    for form in forms:
        key = (form.kind, form.procedure_id)
        best = chosen.get(key)
        if best is None or (
            form.version == best.version and preference.get(form.language, 2) < preference.get(best.language, 2)
        ):
            chosen[key] = form
    return sorted(chosen.values(), key=lambda f: (f.kind != "treatment", f.kind, f.title))


def publish_version(base: ConsentForm, *, language: str, title: str, body: str, valid_months: int) -> ConsentForm:
    """A new row of `base`'s form in `language`: the newest version's number when that version has no text in
    `language` yet (a translation of it), else the next number (a new text, English-first until translated)."""
    rows = db.session.execute(
        sa.select(ConsentForm.version, ConsentForm.language).where(
            ConsentForm.clinic_id == base.clinic_id,
            ConsentForm.kind == base.kind,
            ConsentForm.procedure_id.is_(None)
            if base.procedure_id is None
            else ConsentForm.procedure_id == base.procedure_id,
        )
    ).all()
    newest = max(version for version, _language in rows)
    version = newest if (newest, language) not in set(rows) else newest + 1
    form = ConsentForm(
        clinic_id=base.clinic_id,
        kind=base.kind,
        procedure_id=base.procedure_id,
        version=version,
        language=language,
        title=title,
        body=body,
        valid_months=valid_months,
    )
    db.session.add(form)
    db.session.flush()
    return form


def _offered_products(clinic_id: int) -> list[tuple[Product, list[str]]]:
    """The clinic's in-office exosome products, each with the sources its declaration and its usable lots name
    (a lot may declare a source its product's listing does not)."""
    products = db.session.scalars(
        sa.select(Product)
        .where(
            Product.clinic_id == clinic_id,
            Product.active,
            Product.use.in_(("in_office", "both")),
            Product.exosome_source.is_not(None),
        )
        .order_by(Product.brand, Product.name)
    ).all()
    lot_sources = db.session.execute(
        sa.select(ProductLot.product_id, ProductLot.source)
        .where(
            ProductLot.clinic_id == clinic_id,
            ProductLot.source.is_not(None),
            ProductLot.status == "active",
            ProductLot.quantity_on_hand > 0,
        )
        .distinct()
    ).all()
    found = []
    for product in products:
        sources = [product.exosome_source]
        sources += sorted({s for pid, s in lot_sources if pid == product.id and s not in sources})
        found.append((product, sources))
    return found


def consented_sources(clinic_id: int) -> list[str]:
    """The source codes a treatment consent signed now names."""
    return sorted({source for _, sources in _offered_products(clinic_id) for source in sources})


def product_sources(clinic_id: int) -> str:
    return "; ".join(
        f"{p.display_name}: " + ", ".join(EXOSOME_SOURCES.get(s, s) for s in sources)
        for p, sources in _offered_products(clinic_id)
    ) or _("no in-office exosome product is listed")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def render_text(form: ConsentForm) -> str:
    return form.body.replace("{product_sources}", product_sources(form.clinic_id))


def typed_signature(name: str, text_digest: str) -> str:
    """The statement a typed-name signature stands for, bound to the exact text signed; its SHA-256 is kept
    in `signature_sha256` as the drawn PNG's is."""
    return f"typed signature\n{name}\n{text_digest}"


def sign_consent(
    patient,
    form: ConsentForm,
    *,
    signer_name: str,
    signature_data_url: str | None = None,
    signature_method: str = "drawn",
    typed_agreed: bool = False,
    witness,
    ip: str | None,
    method: str = "staff_tablet",
    text_digest: str,
    signed_at: datetime | None = None,
) -> Consent:
    """Freeze what was signed. `text_digest` is the SHA-256 of the text shown; refused if it changed.
    `signed_at` is now unless given (the demo data records a signing before its past session).

    Two equal ways to sign: `drawn` (a non-blank PNG from the signature pad) or `typed` (the typed full name,
    with `typed_agreed`: the signer ticked that the typed name is their signature). Keyboard-only and
    no-JavaScript signers use the typed method; which one was used is recorded on the consent."""
    problems = {}
    name = " ".join((signer_name or "").split())
    if len(name) < 3:
        problems["signer_name"] = _("Type the signer's full name.")
    png: bytes | None = None
    if signature_method == "typed":
        if not typed_agreed:
            problems["typed_agree"] = _("Tick the box to sign with the typed name.")
    elif signature_method == "drawn":
        try:
            png = decode_signature(signature_data_url)
        except BadSignature as error:
            problems["signature"] = str(error)
    else:
        problems["signature_method"] = _("Choose how to sign: type the name or draw the signature.")
    text = render_text(form)
    if text_digest != digest(text):
        problems["agree"] = _("The consent text changed while it was open; read it again and sign.")
    if problems:
        raise Invalid(problems)
    evidence = png if png is not None else typed_signature(name, text_digest).encode()
    at = signed_at or now_utc()
    consent = Consent(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        form_id=form.id,
        kind=form.kind,
        procedure_id=form.procedure_id,
        title=form.title,
        form_version=form.version,
        language=form.language,
        text=text,
        signer_name=name,
        signature_png=png,
        signature_sha256=hashlib.sha256(evidence).hexdigest(),
        signature_method=signature_method,
        method=method,
        ip=ip,
        signed_at=at,
        witnessed_by_id=getattr(witness, "id", None),
        expires_at=at + relativedelta(months=form.valid_months),
        product_sources=consented_sources(patient.clinic_id) if form.kind == "treatment" else None,
    )
    db.session.add(consent)
    db.session.flush()
    record(
        "consent.sign",
        patient_id=patient.id,
        object_type="consent",
        object_id=consent.id,
        detail=f"{form.kind} v{form.version} {form.language} {signature_method}",
    )
    return consent


def revoke_consent(consent: Consent, user, reason: str) -> None:
    if consent.revoked_at is not None:
        raise Invalid({"reason": "This consent is already revoked."})
    if len((reason or "").strip()) < 3:
        raise Invalid({"reason": "Say why the consent is revoked."})
    consent.revoked_at = now_utc()
    consent.revoked_by_id = user.id
    consent.revoke_reason = reason.strip()
    record("consent.revoke", patient_id=consent.patient_id, object_type="consent", object_id=consent.id)


def valid_consent(patient_id: int, *, kind: str, procedure_id: int | None, at: datetime) -> Consent | None:
    query = sa.select(Consent).where(
        Consent.patient_id == patient_id,
        Consent.kind == kind,
        Consent.revoked_at.is_(None),
        Consent.signed_at <= at,
        Consent.expires_at > at,
    )
    if procedure_id is not None:
        query = query.where(Consent.procedure_id == procedure_id)
    return db.session.scalars(query.order_by(Consent.expires_at.desc())).first()


def valid_treatment_consents(patient_id: int, at: datetime) -> Sequence[Consent]:
    """The patient's valid treatment consents (with their procedures), soonest expiry first."""
    return db.session.scalars(
        sa.select(Consent)
        .where(
            Consent.patient_id == patient_id,
            Consent.kind == "treatment",
            Consent.revoked_at.is_(None),
            Consent.signed_at <= at,
            Consent.expires_at > at,
        )
        .options(selectinload(Consent.procedure))
        .order_by(Consent.expires_at)
    ).all()


def require_treatment_consent(patient, procedure: Procedure, at: datetime) -> Consent | None:
    """The valid consent a session of `procedure` rests on; ConsentMissing if it needs one and has none."""
    if not procedure.requires_consent:
        return None
    consent = valid_consent(patient.id, kind="treatment", procedure_id=procedure.id, at=at)
    if consent is None:
        raise ConsentMissing(procedure)
    return consent
