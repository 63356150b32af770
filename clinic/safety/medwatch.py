"""A pre-filled FDA MedWatch Form 3500 summary of one adverse event, for the dermatologist to submit
themselves (www.fda.gov/medwatch). The same `Document` feeds the print page and the PDF
(clinic/interop/documents)."""

from __future__ import annotations

from datetime import date

from clinic.catalog.models import EXOSOME_SOURCES
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.interop.documents.model import Document, Section, day_text
from clinic.safety.models import OUTCOMES, SERIOUSNESS, AdverseEvent

SUBMIT_NOTE = (
    "Prepared by the clinic from its records to help complete FDA Form 3500 (MedWatch voluntary report). "
    "Review every entry, then submit it yourself at www.fda.gov/medwatch or call 1-800-FDA-1088. "
    "No exosome product is FDA-approved."
)


def initials(first: str, last: str) -> str:
    return "".join(part[0].upper() + "." for part in (first, last) if part)


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def medwatch_document(event: AdverseEvent) -> Document:
    patient, session = event.patient, event.session
    clinic = db.session.get(Clinic, event.clinic_id)
    rows = [
        ("A1 Patient identifier", initials(patient.first_name, patient.last_name)),
        ("A2 Age at time of event", f"{age_on(patient.date_of_birth, event.onset_on)} years"),
        ("B2 Outcome attributed", SERIOUSNESS[event.seriousness]),
        ("B3 Date of event", day_text(event.onset_on)),
        ("B4 Date of this report", day_text(date.today())),
    ]
    describe = Section(
        "B5 Describe event or problem",
        paragraphs=[event.description, f"Outcome so far: {OUTCOMES[event.outcome]}."],
    )
    procedure = Section(
        "Procedure",
        rows=[
            ("Procedure", event.procedure.name if event.procedure else "Not linked to a session"),
            ("Date of procedure", day_text(session.started_at.astimezone(clinic.zone).date()) if session else ""),
        ],
    )
    products = []
    for used in event.lots:
        lot = used.lot
        source = lot.declared_source if lot else used.product.exosome_source
        products.append(
            Section(
                f"C Product: {used.product.display_name}",
                rows=[
                    ("Name", used.product.display_name),
                    ("Manufacturer", (lot.manufacturer if lot else None) or used.product.brand),
                    ("Lot number", lot.lot_number if lot else "not recorded"),
                    ("Expiration date", day_text(lot.expires_on) if lot else "not recorded"),
                    ("Declared source", EXOSOME_SOURCES.get(source, source or "not recorded")),
                    ("Lot status", lot.status if lot else ""),
                ],
            )
        )
    done = Section("What was done", paragraphs=[event.action_taken or "Nothing recorded."])
    reporter = Section(
        "E Reporter",
        rows=[("Name", event.recorded_by.full_name), ("Clinic", clinic.name), ("Phone", clinic.phone or "")],
        paragraphs=[SUBMIT_NOTE],
    )
    return Document(
        kind="medwatch",
        title="FDA MedWatch Form 3500 summary",
        clinic_name=clinic.name,
        clinic_phone=clinic.phone,
        rows=rows,
        sections=[describe, procedure, *products, done, reporter],
        file_stem=f"medwatch-adverse-event-{event.id}",
    )
