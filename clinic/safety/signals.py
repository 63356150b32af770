"""The signal check: an alert when adverse events cluster on one lot, or when a product's event rate for a
procedure runs above the clinic's rate for that procedure. Thresholds are the clinic's safety settings.

- Lot cluster: at least `lot_cluster_events` events naming the same lot with onset in the last
  `lot_cluster_days` days (today counts as day 0; an event exactly `lot_cluster_days` days old still counts).
- Product rate: over sessions started in the last `rate_window_days` days, a product's events per session for a
  procedure is more than `rate_multiplier` times the clinic's events per session for that procedure (strictly:
  exactly twice stays quiet).

Each signal keeps the events behind it; its key names the subject and that exact set of events, so running
the check again (by the dispatcher every minute, or `flask safety signals`) adds nothing new.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from clinic.catalog.models import Procedure, Product, ProductLot
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.safety.inbox import add_item, clinic_dermatologists
from clinic.safety.models import AdverseEvent, AdverseEventLot, SafetySignal
from clinic.safety.settings import safety_settings
from clinic.treatments.models import SessionProduct, TreatmentSession


def _key(kind: str, subject: str, event_ids: list[int]) -> str:
    digest = hashlib.sha256(",".join(map(str, sorted(event_ids))).encode()).hexdigest()[:24]
    return f"{kind}:{subject}:{digest}"


def lot_clusters(clinic_id: int, today: date) -> list[tuple[int, list[int]]]:
    """(lot id, event ids) for every lot named by enough recent events."""
    settings = safety_settings(clinic_id)
    since = today - timedelta(days=settings.lot_cluster_days)
    rows = db.session.execute(
        sa.select(AdverseEventLot.lot_id, AdverseEvent.id)
        .join(AdverseEvent, AdverseEvent.id == AdverseEventLot.event_id)
        .where(
            AdverseEvent.clinic_id == clinic_id,
            AdverseEventLot.lot_id.is_not(None),
            AdverseEvent.onset_on >= since,
            AdverseEvent.onset_on <= today,
        )
        .distinct()
    ).all()
    by_lot: dict[int, set[int]] = defaultdict(set)
    for lot_id, event_id in rows:
        by_lot[lot_id].add(event_id)
    return [(lot, sorted(ids)) for lot, ids in sorted(by_lot.items()) if len(ids) >= settings.lot_cluster_events]


def product_rates(clinic_id: int, today: date) -> list[tuple[int, int, list[int], str]]:
    """(procedure id, product id, event ids, summary) where the product's rate is above the threshold."""
    settings = safety_settings(clinic_id)
    since = datetime.combine(today - timedelta(days=settings.rate_window_days), time(), UTC)
    in_window = sa.and_(TreatmentSession.clinic_id == clinic_id, TreatmentSession.started_at >= since)
    sessions = dict(
        db.session.execute(
            sa.select(TreatmentSession.procedure_id, sa.func.count(TreatmentSession.id))
            .where(in_window)
            .group_by(TreatmentSession.procedure_id)
        ).all()
    )
    events = dict(
        db.session.execute(
            sa.select(TreatmentSession.procedure_id, sa.func.count(sa.distinct(AdverseEvent.id)))
            .join(AdverseEvent, AdverseEvent.session_id == TreatmentSession.id)
            .where(in_window)
            .group_by(TreatmentSession.procedure_id)
        ).all()
    )
    product_sessions = db.session.execute(
        sa.select(
            TreatmentSession.procedure_id, SessionProduct.product_id, sa.func.count(sa.distinct(TreatmentSession.id))
        )
        .join(SessionProduct, SessionProduct.session_id == TreatmentSession.id)
        .where(in_window)
        .group_by(TreatmentSession.procedure_id, SessionProduct.product_id)
    ).all()
    named = db.session.execute(
        sa.select(TreatmentSession.procedure_id, AdverseEventLot.product_id, AdverseEvent.id)
        .join(AdverseEvent, AdverseEvent.session_id == TreatmentSession.id)
        .join(AdverseEventLot, AdverseEventLot.event_id == AdverseEvent.id)
        .where(in_window)
        .distinct()
    ).all()
    product_events: dict[tuple[int, int], set[int]] = defaultdict(set)
    for procedure_id, product_id, event_id in named:
        product_events[(procedure_id, product_id)].add(event_id)
    found = []
    for procedure_id, product_id, used in product_sessions:
        ids = product_events.get((procedure_id, product_id), set())
        total, total_events = sessions.get(procedure_id, 0), events.get(procedure_id, 0)
        # rate_product > multiplier × rate_clinic, cross-multiplied to stay exact.
        if ids and len(ids) * total > settings.rate_multiplier * total_events * used:
            summary = (
                f"{len(ids)} event(s) in {used} session(s) with this product, against {total_events} in "
                f"{total} session(s) of the procedure clinic-wide, over {settings.rate_window_days} days."
            )
            found.append((procedure_id, product_id, sorted(ids), summary))
    return found


def _raise(clinic_id: int, kind: str, key: str, summary: str, event_ids: list[int], **subject) -> SafetySignal | None:
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    signal_id = db.session.execute(
        insert(SafetySignal)
        .values(clinic_id=clinic_id, kind=kind, key=key, summary=summary, event_ids=event_ids, **subject)
        .on_conflict_do_nothing(index_elements=["clinic_id", "key"])
        .returning(SafetySignal.id)
    ).scalar_one_or_none()
    if signal_id is None:
        return None
    for user_id in clinic_dermatologists(clinic_id):
        add_item(
            clinic_id=clinic_id,
            user_id=user_id,
            kind="signal",
            title=summary.split(":")[0][:300],
            dedupe_key=f"signal:{signal_id}",
            signal_id=signal_id,
            lot_id=subject.get("lot_id"),
        )
    return db.session.get(SafetySignal, signal_id)


def check_clinic(clinic_id: int, today: date) -> list[SafetySignal]:
    """Run both checks for one clinic; the signals raised this time (already-known ones are not repeated)."""
    raised = []
    for lot_id, ids in lot_clusters(clinic_id, today):
        lot = db.session.get(ProductLot, lot_id)
        summary = (
            f"{len(ids)} adverse events name lot {lot.lot_number} of {lot.product.display_name}: "
            f"onsets within {safety_settings(clinic_id).lot_cluster_days} days."
        )
        signal = _raise(clinic_id, "lot_cluster", _key("lot", str(lot_id), ids), summary, ids, lot_id=lot_id)
        raised += [signal] if signal else []
    for procedure_id, product_id, ids, detail in product_rates(clinic_id, today):
        product, procedure = db.session.get(Product, product_id), db.session.get(Procedure, procedure_id)
        summary = f"High event rate for {product.display_name} in {procedure.name}: {detail}"
        key = _key("rate", f"{procedure_id}-{product_id}", ids)
        signal = _raise(clinic_id, "product_rate", key, summary, ids, product_id=product_id, procedure_id=procedure_id)
        raised += [signal] if signal else []
    return raised


def check_all(now: datetime) -> int:
    """Every clinic, on its own local date; how many new signals (the dispatcher's planner signature)."""
    count = 0
    for clinic in db.session.scalars(sa.select(Clinic).order_by(Clinic.id)):
        count += len(check_clinic(clinic.id, now.astimezone(clinic.zone).date()))
    return count
