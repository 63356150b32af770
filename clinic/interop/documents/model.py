"""The shape every printable document takes, and the words the documents use (kept in one place)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext

from clinic.i18n import N_, format_local


class Words(Mapping[str, str]):
    """The documents' fixed words, marked for the catalogue and translated into the current locale when read
    (a document is built inside `force_locale(<its reader's language>)`)."""

    def __init__(self, english: dict[str, str]):
        self._english = english

    def __getitem__(self, key: str) -> str:
        return gettext(self._english[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._english)

    def __len__(self) -> int:
        return len(self._english)


#: Every fixed word of the documents (English as written here; gettext translates them when read).
WORDS = Words(
    {
        "aftercare_title": N_("Aftercare sheet"),
        "consent_title": N_("Signed consent"),
        "summary_title": N_("Visit summary"),
        "patient": N_("Patient"),
        "date_of_birth": N_("Date of birth"),
        "procedure": N_("Procedure"),
        "date": N_("Date"),
        "session_ended": N_("Treatment ended"),
        "day_by_day": N_("Day by day"),
        "day": N_("Day"),
        "days": N_("Days"),
        "avoid": N_("Avoid"),
        "do": N_("Do"),
        "instructions": N_("How to look after your skin"),
        "note": N_("Note"),
        "paused_steps": N_("Home steps paused"),
        "paused_until": N_("paused until"),
        "no_paused_steps": N_("None of your home steps is paused."),
        "no_aftercare": N_("No special aftercare after this procedure."),
        "problems": N_("Problems or questions"),
        "call_us": N_("If anything worries you (spreading redness, swelling, pain, fever, blisters), call the clinic"),
        "call_us_no_phone": N_(
            "If anything worries you (spreading redness, swelling, pain, fever, blisters), contact the clinic."
        ),
        "consent": N_("Consent"),
        "version": N_("Version"),
        "form_text": N_("Text agreed to"),
        "product_source": N_("Products and their source"),
        "signature": N_("Signature"),
        "signed_by": N_("Signed by"),
        "signed_at": N_("Signed at"),
        "method": N_("Method"),
        "signature_kind": N_("Signature given as"),
        "typed_signature": N_('Signed by typing the name "{name}" and agreeing that it is the signature.'),
        "content_hash": N_("Text hash (SHA-256 of the text agreed to)"),
        "signature_hash": N_("Signature hash (SHA-256)"),
        "status": N_("Status"),
        "revoked": N_("REVOKED"),
        "revoked_on": N_("Revoked on {when}: {reason}"),
        "valid_until": N_("Valid until"),
        "record": N_("Session record"),
        "provider": N_("Provider"),
        "time": N_("Time"),
        "device": N_("Device"),
        "anaesthetic": N_("Anaesthetic"),
        "areas": N_("Areas and settings"),
        "injections": N_("Injection sites"),
        "products": N_("Products and lots"),
        "lot": N_("lot"),
        "expires": N_("exp."),
        "skin_response": N_("Skin response"),
        "adverse_events": N_("Adverse events"),
        "none_recorded": N_("none recorded"),
        "notes": N_("Notes"),
        "scores": N_("Outcome scores"),
        "amendments": N_("Amendments"),
        "amended": N_("AMENDED"),
        "no_amendments": N_("No amendments."),
        "reason": N_("Reason"),
        "signed_note": N_("Signed electronically by {name}, {when}"),
        "signature_line": N_("Dermatologist's signature"),
        "not_signed": N_("Not signed"),
        "clinic_phone": N_("Clinic phone"),
        "morning": N_("morning"),
        "evening": N_("evening"),
    }
)


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
    return f"{format_local(local, '%a %d %b %Y, %H:%M')} {local.tzname()}"


def day_text(value: date) -> str:
    """'Wed 2 Dec 2026' ('mié 2 dic 2026' in Spanish)."""
    return format_local(value, "%a %-d %b %Y")
