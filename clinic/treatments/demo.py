"""Demo treatments: exosome lots (one low, one expiring soon) and signed sessions with outcome scores for a
few demo patients, including one microneedling yesterday so the routines demo shows paused steps.
Idempotent: lots are matched by number, and sessions are only added to a clinic that has none."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from PIL import Image, ImageDraw

from clinic.auth.models import User
from clinic.catalog.models import Procedure, Product, ProductLot
from clinic.catalog.rules import hard_stops
from clinic.clinics.models import Clinic
from clinic.consents.models import Consent
from clinic.consents.services import current_forms, digest, render_text, sign_consent
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.treatments.models import TreatmentSession
from clinic.treatments.precheck import screen
from clinic.treatments.scores import record_score
from clinic.treatments.services import ProductUse, SessionDetails, save_session
from clinic.treatments.signing import sign_session

LOTS = [  # lot number, days to expiry, units on hand
    ("DPX-2026-0412", 300, 24),
    ("DPX-2026-0587", 21, 6),
    ("DPX-2025-1130", 160, 2),
]


def _at(clinic: Clinic, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=clinic.zone).astimezone(UTC)


def _ensure_lots(clinic: Clinic, product: Product, today: date) -> list[ProductLot]:
    lots = []
    for number, days, quantity in LOTS:
        lot = db.session.scalar(sa.select(ProductLot).filter_by(product_id=product.id, lot_number=number))
        if lot is None:
            lot = ProductLot(
                clinic_id=clinic.id,
                product_id=product.id,
                lot_number=number,
                expires_on=today + timedelta(days=days),
                manufacturer="DP Derm Laboratories",
                source=product.exosome_source,
                quantity_on_hand=quantity,
                low_stock_threshold=3,
            )
            db.session.add(lot)
        lots.append(lot)
    db.session.flush()
    return lots


def _treatable(patients: Sequence[Patient], today: date, product: Product) -> list[Patient]:
    return [p for p in patients if p.history is not None and not hard_stops(screen(p, [product], today))]


def _session(
    patient: Patient,
    procedure: Procedure,
    derm: User,
    lot: ProductLot,
    day: date,
    clinic: Clinic,
    consent: Consent | None = None,
) -> TreatmentSession:
    findings = screen(patient, [lot.product], day)
    session = TreatmentSession(
        clinic_id=clinic.id,
        patient_id=patient.id,
        procedure_id=procedure.id,
        provider_id=derm.id,
        started_at=_at(clinic, day, 14),
        consent_id=consent.id if consent else None,
        precheck={
            "run_at": _at(clinic, day, 13, 50).isoformat(),
            "run_by": derm.id,
            "findings": [
                {**f.as_dict(), "override_reason": "Discussed with the patient; conservative settings."}
                for f in findings
            ],
        },
    )
    session.procedure = procedure
    db.session.add(session)
    db.session.flush()
    scalp = procedure.kind.startswith("scalp")
    details = SessionDetails(
        started_at=session.started_at,
        ended_at=_at(clinic, day, 15),
        device="Dermapen 4",
        anaesthetic="Topical lidocaine 4% (30 min)" if not scalp else None,
        areas=[("Scalp vertex", Decimal("0.5"), 3)]
        if scalp
        else [("Forehead", Decimal("0.5"), 2), ("Cheeks", Decimal("1.5"), 3)],
        products=[ProductUse(lot.product_id, lot.lot_number, Decimal("2.5"))],
        skin_response="Expected erythema, even; pinpoint bleeding on the cheeks.",
        adverse_events=None,
    )
    save_session(session, details, loaded_version=session.version, user=derm)
    sign_session(session, derm, loaded_version=session.version)
    return session


def _scores(patient: Patient, derm: User, first_day: date, today: date) -> None:
    hair = "hair_loss" in patient.concerns
    plan = (
        [("norwood", "III", "IIIa"), ("density", "118", "141")]
        if hair
        else [("iga", "3", "1"), ("glogau", "III", "II")]
    )
    for scale, baseline, later in plan:
        record_score(
            patient,
            derm,
            scale_code=scale,
            checkpoint="baseline",
            recorded_on=first_day,
            today=today,
            raw_value=baseline,
        )
        record_score(
            patient,
            derm,
            scale_code=scale,
            checkpoint="3m",
            recorded_on=first_day + timedelta(days=91),
            today=today,
            raw_value=later,
        )
    if "pigmentation" in patient.concerns:
        for checkpoint, day, area in (("baseline", first_day, 4), ("3m", first_day + timedelta(days=91), 2)):
            components = {
                r: {"area": area, "darkness": 2, "homogeneity": 2}
                for r in ("forehead", "right_malar", "left_malar", "chin")
            }
            record_score(
                patient,
                derm,
                scale_code="masi",
                checkpoint=checkpoint,
                recorded_on=day,
                today=today,
                components=components,
            )


def _signature_png_url(name: str) -> str:
    """A drawn-looking demo signature (a wavy line whose shape depends on the name)."""
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    points = [(40 + i * 26, 110 + (ord(ch) % 7 - 3) * 12) for i, ch in enumerate(name[:20])]
    ImageDraw.Draw(image).line(points, fill=(20, 20, 60, 255), width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _consents(
    patients: Sequence[Patient],
    procedures: dict[str, Procedure],
    witness: User,
    language: str = "en",
    signed_at: datetime | None = None,
) -> list[Consent]:
    """Valid treatment and photo consents for the demo patients who can be treated (in `language`)."""
    forms = current_forms(witness.clinic_id, language)
    signed = []
    for patient in patients:
        for form in forms:
            if form.kind == "photo" or form.procedure.code in procedures:
                signed.append(
                    sign_consent(
                        patient,
                        form,
                        signer_name=patient.full_name,
                        witness=witness,
                        ip=None,
                        signature_data_url=_signature_png_url(patient.full_name),
                        text_digest=digest(render_text(form)),
                        signed_at=signed_at,
                    )
                )
    return signed


def spanish_session(clinic: Clinic, patient: Patient, day: date) -> TreatmentSession | None:
    """The Spanish-reading demo patient's signed microneedling on `day`, resting on her Spanish consent.

    Her microneedling and photo consents are signed in Spanish on the tablet, after the lots exist (a
    consent names the sources in stock, and signing checks the lot's source against it), and dated that
    morning, before the session. Signing the session applies its aftercare (the session's windows and, through
    the treatments hook, the routine's pauses and check-ins), so nothing else records it."""
    derm = db.session.scalar(
        sa.select(User).where(User.clinic_id == clinic.id, User.role == "dermatologist").order_by(User.id)
    )
    microneedling = db.session.scalar(sa.select(Procedure).filter_by(clinic_id=clinic.id, code="microneedling_exosome"))
    product = db.session.scalar(sa.select(Product).filter_by(clinic_id=clinic.id, brand="DP Derm"))
    if derm is None or microneedling is None or product is None:
        return None
    lots = _ensure_lots(clinic, product, day)
    consents = _consents(
        [patient], {microneedling.code: microneedling}, derm, language="es", signed_at=_at(clinic, day, 13, 30)
    )
    treatment = next(c for c in consents if c.kind == "treatment")
    return _session(patient, microneedling, derm, lots[0], day, clinic, consent=treatment)


def seed(clinic: Clinic, patients: Sequence[Patient], today: date) -> None:
    """Lots and a few signed sessions with scores; adds no sessions if the clinic already has some."""
    product = db.session.scalar(sa.select(Product).filter_by(clinic_id=clinic.id, brand="DP Derm"))
    lots = _ensure_lots(clinic, product, today)
    if db.session.scalar(sa.select(TreatmentSession.id).where(TreatmentSession.clinic_id == clinic.id).limit(1)):
        return
    derm = db.session.scalar(
        sa.select(User).where(User.clinic_id == clinic.id, User.role == "dermatologist").order_by(User.id)
    )
    procedures = {p.code: p for p in db.session.scalars(sa.select(Procedure).filter_by(clinic_id=clinic.id))}
    _consents(_treatable(patients, today, product), procedures, derm)
    for index, patient in enumerate(_treatable(patients, today, product)[:4]):
        code = "scalp_exosome_topical" if "hair_loss" in patient.concerns else "microneedling_exosome"
        first_day = today - timedelta(days=130)
        if index == 0:  # a recent face session: the routines demo pauses this patient's actives
            _session(patient, procedures["microneedling_exosome"], derm, lots[0], today - timedelta(days=1), clinic)
        for offset in (0, 35):
            _session(patient, procedures[code], derm, lots[0], first_day + timedelta(days=offset), clinic)
        _scores(patient, derm, first_day, today)
    db.session.flush()
