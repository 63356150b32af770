"""A signed consent as a document: the frozen text, the signature, when and how, the hashes, and its status."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask_babel import gettext

from clinic.clinics.models import Clinic
from clinic.consents.models import SIGNATURE_METHODS, SIGNING_METHODS, Consent
from clinic.consents.services import digest
from clinic.extensions import db
from clinic.i18n import reader_language
from clinic.interop.documents.model import WORDS, Document, Section, when
from clinic.patients.models import Patient


def signed_when(consent: Consent, clinic_zone: ZoneInfo, patient_zone: ZoneInfo) -> str:
    """In the clinic's zone, and in the patient's too when it differs."""
    text = when(consent.signed_at, clinic_zone)
    if patient_zone.key != clinic_zone.key:
        text += f" ({when(consent.signed_at, patient_zone)})"
    return text


def consent_language(consent: Consent) -> str:
    """The language the signed consent's document is written in: its reader's (see `reader_language`)."""
    return reader_language(db.session.get(Patient, consent.patient_id))


def consent_document(consent: Consent) -> Document:
    patient = db.session.get(Patient, consent.patient_id)
    clinic = db.session.get(Clinic, consent.clinic_id)
    clinic_zone, patient_zone = ZoneInfo(clinic.timezone), ZoneInfo(patient.timezone)
    signature_rows = [
        (WORDS["signed_by"], consent.signer_name),
        (WORDS["signed_at"], signed_when(consent, clinic_zone, patient_zone)),
        (WORDS["method"], gettext(SIGNING_METHODS.get(consent.method, consent.method))),
        (WORDS["signature_kind"], gettext(SIGNATURE_METHODS.get(consent.signature_method, consent.signature_method))),
        (WORDS["content_hash"], digest(consent.text)),
        (WORDS["signature_hash"], consent.signature_sha256),
    ]
    alert = None
    if consent.revoked_at is not None:
        alert = f"{WORDS['revoked']}: " + WORDS["revoked_on"].format(
            when=when(consent.revoked_at, clinic_zone), reason=consent.revoke_reason or ""
        )
    return Document(
        kind="consent",
        title=f"{WORDS['consent_title']}: {consent.title}",
        clinic_name=clinic.name,
        clinic_phone=clinic.phone,
        rows=[
            (WORDS["patient"], patient.full_name),
            (WORDS["consent"], f"{consent.title} ({WORDS['version']} {consent.form_version})"),
            *([(WORDS["procedure"], consent.procedure.name)] if consent.procedure is not None else []),
            (
                WORDS["status"],
                WORDS["revoked"]
                if consent.revoked_at
                else f"{WORDS['valid_until']} {when(consent.expires_at, clinic_zone)}",
            ),
        ],
        sections=[
            Section(WORDS["form_text"], paragraphs=[consent.text], alert=alert),
            Section(WORDS["signature"], rows=signature_rows, alert=alert),
        ],
        signature_png=consent.signature_png,
        signature_caption=None if consent.signature_png else WORDS["typed_signature"].format(name=consent.signer_name),
        file_stem=f"consent-{consent.id}",
    )
