"""Who received a lot: the recall list of a product lot, one row per session, and its audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from clinic.audit.services import record
from clinic.catalog.models import ProductLot
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.treatments.models import SessionProduct, TreatmentSession


@dataclass(frozen=True)
class Recipient:
    patient: Patient
    session_id: int
    started_at: datetime
    volume_ml: object


def lot_recipients(lot: ProductLot) -> list[Recipient]:
    """Everyone who received `lot`, one row per session, oldest first."""
    rows = db.session.execute(
        sa.select(Patient, TreatmentSession.id, TreatmentSession.started_at, SessionProduct.volume_ml)
        .join(TreatmentSession, TreatmentSession.patient_id == Patient.id)
        .join(SessionProduct, SessionProduct.session_id == TreatmentSession.id)
        .where(SessionProduct.lot_id == lot.id, TreatmentSession.clinic_id == lot.clinic_id)
        .order_by(TreatmentSession.started_at, TreatmentSession.id)
    ).all()
    return [Recipient(*row) for row in rows]


def audit_recall(lot: ProductLot, recipients: list[Recipient], action: str) -> None:
    """One audit event per patient whose data the recall list (or its export) shows."""
    for patient_id in sorted({r.patient.id for r in recipients}):
        record(
            action,
            patient_id=patient_id,
            object_type="product_lot",
            object_id=lot.id,
            detail=f"lot {lot.lot_number}",
        )
    record(
        action,
        object_type="product_lot",
        object_id=lot.id,
        detail=f"lot {lot.lot_number}: {len(recipients)} session(s)",
    )
