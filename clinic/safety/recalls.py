"""Recalling or quarantining a lot: it leaves use at once (catalog.stock refuses it, its stock is frozen), the
dermatologists of everyone who received it get an inbox item, and each of those patients one notice.

"Exactly once" rests on three things that hold under concurrency: the conditional UPDATE (only one of two
admins recalling at the same moment changes the lot; the other is told it is already recalled), the inbox's
unique (user, key) and the outbox's unique dedupe key per lot and patient.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from clinic.audit.services import record
from clinic.auth.models import User
from clinic.catalog.models import LOT_STATUSES, ProductLot
from clinic.clinics.models import Clinic
from clinic.db import now_utc
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders import outbox
from clinic.reminders.models import OutboxMessage
from clinic.roles import Role
from clinic.routines.problems import treating_dermatologist
from clinic.safety.inbox import add_item
from clinic.safety.models import InboxItem
from clinic.safety.settings import safety_settings
from clinic.treatments.models import SessionProduct, TreatmentSession
from clinic.treatments.recalls import lot_recipients
from clinic.validation import Invalid

NOTICE_KIND = "lot_recall_notice"


def notice_key(lot_id: int, patient_id: int) -> str:
    return f"lot_recall:{lot_id}:patient:{patient_id}"


def recall_lot(lot: ProductLot, status: str, reason: str, by: User) -> int:
    """Take the lot out of use as `status` (recalled or quarantined); return how many patients are notified."""
    reason = " ".join((reason or "").split())
    if status not in LOT_STATUSES or status == "active":
        raise Invalid({"status": "Choose recalled or quarantined."})
    if len(reason) < 3:
        raise Invalid({"reason": "Say why the lot is taken out of use."})
    at = now_utc()
    changed = db.session.execute(
        sa.update(ProductLot)
        .where(ProductLot.id == lot.id, ProductLot.status == "active")
        .values(status=status, status_reason=reason[:2000], status_changed_at=at, status_changed_by_id=by.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(lot)
    if changed != 1:
        raise Invalid({"status": f"Lot {lot.lot_number} is already {lot.status}; nothing was changed."})
    record("lot.recall", object_type="product_lot", object_id=lot.id, user=by, detail=f"{status}: {reason[:200]}")
    return _notify(lot, status, by)


def _dermatologists_of(patient_id: int, clinic_id: int) -> set[int]:
    """Who looks after the patient: active dermatologists who provided a session of theirs, else the treating
    dermatologist the problem reports go to."""
    providers = set(
        db.session.scalars(
            sa.select(User.id)
            .join(TreatmentSession, TreatmentSession.provider_id == User.id)
            .where(
                TreatmentSession.patient_id == patient_id,
                User.role == Role.DERMATOLOGIST.value,
                User.active.is_(True),
            )
        )
    )
    if not providers and (fallback := treating_dermatologist(patient_id, clinic_id)):
        providers.add(fallback)
    return providers


def _notify(lot: ProductLot, status: str, by: User) -> int:
    recipients = lot_recipients(lot)
    patients = {r.patient.id: r.patient for r in recipients}
    per_dermatologist: dict[int, int] = {}
    for patient_id in patients:
        for user_id in _dermatologists_of(patient_id, lot.clinic_id):
            per_dermatologist[user_id] = per_dermatologist.get(user_id, 0) + 1
    for user_id, count in per_dermatologist.items():
        add_item(
            clinic_id=lot.clinic_id,
            user_id=user_id,
            kind="lot_recall",
            title=f"Lot {lot.lot_number} of {lot.product.display_name} {status}: {count} of your patients received it.",
            dedupe_key=f"lot:{lot.id}",
            lot_id=lot.id,
        )
    clinic = db.session.get(Clinic, lot.clinic_id)
    wording = safety_settings(lot.clinic_id).recall_notice
    notified = 0
    for patient in patients.values():
        if patient.email and outbox.enqueue(
            clinic_id=lot.clinic_id,
            kind=NOTICE_KIND,
            dedupe_key=notice_key(lot.id, patient.id),
            recipient=patient.email,
            due_at=now_utc(),
            payload={
                "patient_first_name": patient.first_name,
                "clinic_name": clinic.name,
                "clinic_phone": clinic.phone,
                "notice": wording,
            },
            patient_id=patient.id,
        ):
            notified += 1
        record(
            "lot.recall_notice",
            patient_id=patient.id,
            object_type="product_lot",
            object_id=lot.id,
            user=by,
            detail="notice queued" if patient.email else "no e-mail address: call the patient",
        )
    return notified


@dataclass(frozen=True)
class ReportRow:
    patient: Patient
    session_id: int
    started_at: datetime
    status: str
    notice: OutboxMessage | None
    dermatologists_told_at: datetime | None


def recall_report(lot: ProductLot) -> list[ReportRow]:
    """Every session that used the lot, with the patient's notice (queued, sent, failed: when) and when the
    dermatologists' inbox items went out."""
    recipients = lot_recipients(lot)
    keys = [notice_key(lot.id, r.patient.id) for r in recipients]
    notices = {
        m.dedupe_key: m
        for m in db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key.in_(keys or [""])))
    }
    told_at = db.session.scalar(
        sa.select(sa.func.min(InboxItem.created_at)).where(InboxItem.lot_id == lot.id, InboxItem.kind == "lot_recall")
    )
    statuses = dict(
        db.session.execute(
            sa.select(TreatmentSession.id, TreatmentSession.status)
            .join(SessionProduct, SessionProduct.session_id == TreatmentSession.id)
            .where(SessionProduct.lot_id == lot.id)
        ).all()
    )
    return [
        ReportRow(
            r.patient,
            r.session_id,
            r.started_at,
            statuses.get(r.session_id, ""),
            notices.get(notice_key(lot.id, r.patient.id)),
            told_at,
        )
        for r in recipients
    ]


def audit_report(lot: ProductLot, rows: list[ReportRow], action: str) -> None:
    for patient_id in sorted({row.patient.id for row in rows}):
        record(
            action, patient_id=patient_id, object_type="product_lot", object_id=lot.id, detail=f"lot {lot.lot_number}"
        )
