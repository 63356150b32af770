"""Check-in: re-confirm the history answers, run the clinic's contraindication rules, and open a draft
session only when nothing blocks it and every warning carries a written override reason."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa

from clinic.audit.services import record
from clinic.catalog.defaults import install_contraindication_rules
from clinic.catalog.models import ContraindicationRule, Procedure, Product
from clinic.catalog.rules import Finding, evaluate, hard_stops, missing_overrides
from clinic.clinics.models import Clinic
from clinic.consents.services import require_treatment_consent
from clinic.db import now_utc
from clinic.extensions import db
from clinic.patients.models import MedicalHistory, Patient
from clinic.treatments.models import TreatmentSession
from clinic.treatments.windows import apply_aftercare

HISTORY_FIELDS = [
    c.key
    for c in MedicalHistory.__table__.columns
    if c.key not in ("patient_id", "created_at", "updated_at", "version", "confirmed_at", "confirmed_by_id")
]


class PrecheckBlocked(Exception):
    def __init__(self, findings: list[Finding]):
        super().__init__("; ".join(f.reason for f in hard_stops(findings)))
        self.findings = findings


class OverridesMissing(Exception):
    def __init__(self, findings: list[Finding], codes: list[str]):
        super().__init__(", ".join(codes))
        self.findings = findings
        self.codes = codes


class NoHistory(Exception):
    """The patient has no medical history on file: the rules have nothing to read."""


def clinic_rules(clinic_id: int) -> Sequence[ContraindicationRule]:
    """The clinic's rules; a clinic that never had any gets DOMAIN.md's defaults first (fail safe)."""
    query = (
        sa.select(ContraindicationRule)
        .where(ContraindicationRule.clinic_id == clinic_id)
        .order_by(ContraindicationRule.position, ContraindicationRule.id)
    )
    rules = db.session.scalars(query).all()
    if not rules:
        install_contraindication_rules(db.session.get(Clinic, clinic_id))
        db.session.flush()
        rules = db.session.scalars(query).all()
    return rules


def confirm_history(patient: Patient, user) -> MedicalHistory:
    """Stamp that the answers were re-confirmed with the patient at this check-in."""
    if patient.history is None:
        raise NoHistory
    patient.history.confirmed_at = now_utc()
    patient.history.confirmed_by_id = user.id
    record("history.confirm", patient_id=patient.id, object_type="medical_history", object_id=patient.id)
    return patient.history


def screen(patient: Patient, products: Sequence[Product], on: date) -> list[Finding]:
    if patient.history is None:
        raise NoHistory
    return evaluate(clinic_rules(patient.clinic_id), history=patient.history, patient=patient, products=products, on=on)


def _snapshot(
    patient: Patient,
    findings: list[Finding],
    reasons: dict[str, str],
    products: Sequence[Product],
    user,
    at: datetime,
) -> dict:
    history = patient.history
    return {
        "run_at": at.isoformat(),
        "run_by": user.id,
        "history_confirmed_at": history.confirmed_at.isoformat() if history.confirmed_at else None,
        "history": {name: _plain(getattr(history, name)) for name in HISTORY_FIELDS},
        "fitzpatrick": patient.fitzpatrick,
        "allergies": patient.allergies,
        "planned_product_ids": [p.id for p in products],
        "findings": [
            {**f.as_dict(), "override_reason": None if f.is_hard_stop else reasons[f.code].strip()} for f in findings
        ],
    }


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def start_session(
    patient: Patient,
    procedure: Procedure,
    products: Sequence[Product],
    user,
    reasons: dict[str, str],
    on: date,
    *,
    appointment_id: int | None = None,
) -> TreatmentSession:
    """Open a draft session after a passed pre-check; the snapshot keeps findings and override reasons.
    `appointment_id` links the session to the appointment it was started from."""
    findings = screen(patient, products, on)
    if hard_stops(findings):
        raise PrecheckBlocked(findings)
    at = now_utc()
    consent = require_treatment_consent(patient, procedure, at)
    missing = missing_overrides(findings, reasons)
    if missing:
        raise OverridesMissing(findings, missing)
    session = TreatmentSession(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        procedure_id=procedure.id,
        provider_id=user.id,
        started_at=at,
        precheck=_snapshot(patient, findings, reasons, products, user, at),
        consent_id=consent.id if consent else None,
        appointment_id=appointment_id,
    )
    session.procedure = procedure
    db.session.add(session)
    apply_aftercare(session)
    db.session.flush()
    record(
        "treatment.start",
        patient_id=patient.id,
        object_type="treatment_session",
        object_id=session.id,
        detail=f"{procedure.code}; overrides: {', '.join(f.code for f in findings) or 'none'}"
        + (f"; appointment {appointment_id}" if appointment_id else ""),
    )
    return session
