"""The shape every printable document takes, and the words the documents use (kept in one place)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

#: Every fixed word of the documents, in English for now (one place to wrap with gettext later).
WORDS: dict[str, str] = {
    "aftercare_title": "Aftercare sheet",
    "consent_title": "Signed consent",
    "summary_title": "Visit summary",
    "patient": "Patient",
    "date_of_birth": "Date of birth",
    "procedure": "Procedure",
    "date": "Date",
    "session_ended": "Treatment ended",
    "day_by_day": "Day by day",
    "day": "Day",
    "days": "Days",
    "avoid": "Avoid",
    "do": "Do",
    "instructions": "How to look after your skin",
    "note": "Note",
    "paused_steps": "Home steps paused",
    "paused_until": "paused until",
    "no_paused_steps": "None of your home steps is paused.",
    "no_aftercare": "No special aftercare after this procedure.",
    "problems": "Problems or questions",
    "call_us": "If anything worries you (spreading redness, swelling, pain, fever, blisters), call the clinic",
    "call_us_no_phone": "If anything worries you (spreading redness, swelling, pain, fever, blisters), "
    "contact the clinic.",
    "consent": "Consent",
    "version": "Version",
    "form_text": "Text agreed to",
    "product_source": "Products and their source",
    "signature": "Signature",
    "signed_by": "Signed by",
    "signed_at": "Signed at",
    "method": "Method",
    "signature_kind": "Signature given as",
    "typed_signature": 'Signed by typing the name "{name}" and agreeing that it is the signature.',
    "content_hash": "Text hash (SHA-256 of the text agreed to)",
    "signature_hash": "Signature hash (SHA-256)",
    "status": "Status",
    "revoked": "REVOKED",
    "revoked_on": "Revoked on {when}: {reason}",
    "valid_until": "Valid until",
    "record": "Session record",
    "provider": "Provider",
    "time": "Time",
    "device": "Device",
    "anaesthetic": "Anaesthetic",
    "areas": "Areas and settings",
    "injections": "Injection sites",
    "products": "Products and lots",
    "lot": "lot",
    "expires": "exp.",
    "skin_response": "Skin response",
    "adverse_events": "Adverse events",
    "none_recorded": "none recorded",
    "notes": "Notes",
    "scores": "Outcome scores",
    "amendments": "Amendments",
    "amended": "AMENDED",
    "no_amendments": "No amendments.",
    "reason": "Reason",
    "signed_note": "Signed electronically by {name}, {when}",
    "signature_line": "Dermatologist's signature",
    "not_signed": "Not signed",
    "clinic_phone": "Clinic phone",
}


@dataclass
class Section:
    """A heading with label/value rows, then paragraphs (free text kept as written)."""

    heading: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    #: A stand-out line (REVOKED, AMENDED) shown before the rows.
    alert: str | None = None


@dataclass
class Document:
    """One printable document: the same object feeds the print page and the PDF."""

    kind: str
    title: str
    clinic_name: str
    clinic_phone: str | None
    rows: list[tuple[str, str]]
    sections: list[Section]
    signature_png: bytes | None = None
    signature_caption: str | None = None
    #: The PDF's file name, without the extension.
    file_stem: str = "document"


def when(value: datetime | None, zone: ZoneInfo) -> str:
    """'Tue 01 Dec 2026, 14:30 EST' in `zone`: one format for every time in every document."""
    if value is None:
        return ""
    local = value.astimezone(zone)
    return f"{local:%a %d %b %Y, %H:%M} {local.tzname()}"


def day_text(value) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"
