"""A visit summary for a referring doctor: the signed session note (areas, settings, products and lots),
its outcome scores, the dermatologist's signature line and every amendment. Times in the clinic's zone."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.interop.documents.model import WORDS, Document, Section, day_text, when
from clinic.treatments.amendments import amendable_fields
from clinic.treatments.models import OutcomeScore, SessionArea, TreatmentSession
from clinic.treatments.scores import CHECKPOINTS, SCALES


def _measure(value) -> str:
    return "" if value is None else format(Decimal(value).normalize(), "f")


def area_text(a: SessionArea) -> str:
    parts = [
        f"{_measure(a.needle_depth_mm)} mm deep" if a.needle_depth_mm is not None else "",
        f"{a.passes} passes" if a.passes else "",
        f"{a.laser_wavelength_nm} nm" if a.laser_wavelength_nm else "",
        f"{_measure(a.laser_fluence_j_cm2)} J/cm²" if a.laser_fluence_j_cm2 is not None else "",
        f"spot {_measure(a.laser_spot_size_mm)} mm" if a.laser_spot_size_mm is not None else "",
    ]
    shown = ", ".join(p for p in parts if p)
    return f"{a.area} ({shown})" if shown else a.area


def record_rows(s: TreatmentSession, zone: ZoneInfo) -> list[tuple[str, str]]:
    rows = [
        (WORDS["provider"], s.provider.full_name),
        (WORDS["time"], f"{when(s.started_at, zone)} - {when(s.ended_at, zone)}"),
        (WORDS["device"], s.device or "-"),
        (WORDS["anaesthetic"], s.anaesthetic or "-"),
        (WORDS["areas"], "\n".join(area_text(a) for a in s.areas) or "-"),
    ]
    if s.injection_sites:
        sites = [f"{i.site} {_measure(i.volume_ml)} ml" for i in s.injection_sites]
        rows.append((WORDS["injections"], "\n".join(sites)))
    products = [
        f"{p.product.display_name}, {WORDS['lot']} {p.lot.lot_number} "
        f"({WORDS['expires']} {day_text(p.lot.expires_on)}), {_measure(p.volume_ml)} ml"
        for p in s.products
    ]
    rows += [
        (WORDS["products"], "\n".join(products) or "-"),
        (WORDS["skin_response"], s.skin_response or "-"),
        (WORDS["adverse_events"], s.adverse_events or WORDS["none_recorded"]),
        (WORDS["notes"], s.notes or "-"),
    ]
    return rows


def score_rows(session: TreatmentSession) -> list[tuple[str, str]]:
    scores = db.session.scalars(
        sa.select(OutcomeScore).where(OutcomeScore.session_id == session.id).order_by(OutcomeScore.recorded_on)
    ).all()
    return [
        (
            SCALES[s.scale].label if s.scale in SCALES else s.scale,
            f"{s.label} ({CHECKPOINTS.get(s.checkpoint, s.checkpoint)}, {day_text(s.recorded_on)})",
        )
        for s in scores
    ]


def _shown(kind: str, value: str | None, zone: ZoneInfo) -> str:
    if value is None:
        return "-"
    return when(datetime.fromisoformat(value), zone) if kind == "datetime" else value


def amendment_paragraphs(session: TreatmentSession, zone: ZoneInfo) -> list[str]:
    fields = amendable_fields(session)
    out = []
    for am in session.amendments:
        changes = []
        for c in am.changes:
            spec = fields.get(c["field"])
            label, kind = (spec.label, spec.kind) if spec else (c["field"], "text")
            changes.append(f"{label}: {_shown(kind, c.get('old'), zone)} -> {_shown(kind, c.get('new'), zone)}")
        out.append(
            f"{when(am.created_at, zone)} · {am.author.full_name} · {WORDS['reason']}: {am.reason}\n"
            + "\n".join(changes)
            + f"\nSHA-256 {am.sha256}"
        )
    return out


def summary_document(session: TreatmentSession) -> Document:
    clinic = db.session.get(Clinic, session.clinic_id)
    zone = ZoneInfo(clinic.timezone)
    patient = session.patient
    amendments = amendment_paragraphs(session, zone)
    signer = session.signed_by.full_name if session.signed_by else ""
    signed = (
        [
            WORDS["signed_note"].format(name=signer, when=when(session.signed_at, zone)),
            f"SHA-256 {session.signature_sha256}",
        ]
        if session.signed_at
        else [WORDS["not_signed"]]
    )
    scores = score_rows(session)
    return Document(
        kind="summary",
        title=f"{WORDS['summary_title']}: {session.procedure.name}",
        clinic_name=clinic.name,
        clinic_phone=clinic.phone,
        rows=[
            (WORDS["patient"], patient.full_name),
            (WORDS["date_of_birth"], day_text(patient.date_of_birth)),
            (WORDS["procedure"], session.procedure.name),
            (WORDS["date"], day_text(session.started_at.astimezone(zone).date())),
        ],
        sections=[
            Section(WORDS["record"], rows=record_rows(session, zone)),
            Section(WORDS["scores"], rows=scores, paragraphs=[] if scores else [WORDS["none_recorded"]]),
            Section(
                WORDS["amendments"],
                paragraphs=amendments or [WORDS["no_amendments"]],
                alert=WORDS["amended"] if amendments else None,
            ),
            Section(WORDS["signature_line"], paragraphs=signed),
        ],
        file_stem=f"visit-summary-{session.id}",
    )
