"""Recalling a lot: refused in sessions from then on, stock frozen, one inbox item per dermatologist and one
notice per patient, however often (or by how many admins at once) it is recalled."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from clinic.audit.models import AuditEvent
from clinic.auth.models import User
from clinic.catalog.models import ProductLot
from clinic.catalog.stock import OutOfStock, draw, usable_lots
from clinic.db import now_utc
from clinic.extensions import db
from clinic.reminders.models import OutboxMessage
from clinic.safety import recalls
from clinic.safety.models import InboxItem
from clinic.safety.recalls import recall_lot, recall_report
from clinic.treatments.services import ProductUse, SessionDetails, save_session
from clinic.validation import Invalid
from tests.factories import make_patient, make_user
from tests.treatments.factories import make_session


def notices():
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "lot_recall_notice")).all()


def test_recall_queues_one_notice_per_patient_and_one_inbox_item(world):
    notified = recall_lot(world["lot"], "recalled", "Manufacturer recall 2026-12", world["admin"])
    assert notified == 2
    rows = notices()
    assert sorted(m.patient_id for m in rows) == sorted(p.id for p in world["patients"])
    items = db.session.scalars(sa.select(InboxItem)).all()
    assert [(i.user_id, i.kind, i.lot_id) for i in items] == [(world["derm"].id, "lot_recall", world["lot"].id)]
    assert "2 of your patients" in items[0].title
    lot = db.session.get(ProductLot, world["lot"].id)
    assert (lot.status, lot.status_reason, lot.status_changed_by_id) == (
        "recalled",
        "Manufacturer recall 2026-12",
        world["admin"].id,
    )


def test_recalling_again_changes_nothing_and_sends_nothing(world):
    recall_lot(world["lot"], "quarantined", "Cold chain broken", world["admin"])
    with pytest.raises(Invalid) as error:
        recall_lot(world["lot"], "recalled", "Second click", world["admin"])
    assert "already quarantined" in error.value.problems["status"]
    assert len(notices()) == 2
    assert db.session.scalar(sa.select(sa.func.count(InboxItem.id))) == 1


def test_two_admins_at_the_same_moment(world):
    """Both loaded the lot while it was in use; the conditional UPDATE lets exactly one change it."""
    other_admin = make_user("admin")
    stale = db.session.get(ProductLot, world["lot"].id)
    assert stale.status == "active"
    db.session.execute(
        sa.update(ProductLot)
        .where(ProductLot.id == stale.id)
        .values(status="recalled", status_reason="first admin")
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(Invalid):
        recall_lot(stale, "recalled", "second admin, same moment", other_admin)
    assert notices() == []  # the winner's call queues them; the loser queued none


def test_two_admins_recall_the_same_lot_at_the_same_moment_in_two_connections(app, world, monkeypatch):
    """A real race: two threads, each with its own session and connection, both load the lot while it is
    active, pass the checks and meet at a barrier just before the conditional UPDATE. Exactly one changes the
    lot and notifies; the other is told it is already recalled; each patient's notice is queued once."""
    admins = [world["admin"].id, make_user("admin").id]
    lot_id = world["lot"].id
    db.session.commit()
    barrier = threading.Barrier(2)
    waited = threading.local()
    outcomes: dict[int, str] = {}
    original_now = recalls.now_utc

    def now_after_both_checked():
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait(timeout=10)  # both saw an active lot and are about to UPDATE it
        return original_now()

    def recall_as(admin_id: int, status: str) -> None:
        with app.app_context():
            try:
                lot = db.session.get(ProductLot, lot_id)
                assert lot.status == "active"
                notified = recall_lot(lot, status, f"Recall by admin {admin_id}", db.session.get(User, admin_id))
                db.session.commit()
                outcomes[admin_id] = f"recalled, {notified} notified"
            except Invalid as refused:
                db.session.rollback()
                outcomes[admin_id] = refused.problems["status"]
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                db.session.rollback()
                outcomes[admin_id] = f"error: {error!r}"
            finally:
                db.session.remove()

    monkeypatch.setattr(recalls, "now_utc", now_after_both_checked)
    threads = [
        threading.Thread(target=recall_as, args=(admin_id, status))
        for admin_id, status in zip(admins, ("recalled", "quarantined"), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    monkeypatch.undo()

    assert len(outcomes) == 2, outcomes
    winners = [admin_id for admin_id, outcome in outcomes.items() if outcome == "recalled, 2 notified"]
    assert len(winners) == 1, outcomes
    (loser,) = set(admins) - set(winners)
    assert "is already" in outcomes[loser] and "nothing was changed" in outcomes[loser], outcomes
    db.session.expire_all()
    lot = db.session.get(ProductLot, lot_id)
    assert lot.status_changed_by_id == winners[0] and lot.status_reason == f"Recall by admin {winners[0]}"
    rows = notices()
    assert sorted(m.patient_id for m in rows) == sorted(p.id for p in world["patients"])
    assert db.session.scalar(sa.select(sa.func.count(InboxItem.id))) == 1
    recall_audits = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "lot.recall")).all()
    assert [a.user_id for a in recall_audits] == winners


def test_notices_are_unique_per_lot_and_patient_even_if_queued_twice(world):
    from clinic.safety import recalls  # noqa: PLC0415 - reaching the private step on purpose

    recall_lot(world["lot"], "recalled", "Manufacturer recall", world["admin"])
    recalls._notify(world["lot"], "recalled", world["admin"])  # a retry of the notify step
    assert len(notices()) == 2
    assert db.session.scalar(sa.select(sa.func.count(InboxItem.id))) == 1


def test_recalled_lot_is_refused_in_a_session_beside_the_lot_field(world):
    recall_lot(world["lot"], "recalled", "Manufacturer recall", world["admin"])
    patient = make_patient()
    session = make_session(patient, world["derm"])
    details = SessionDetails(
        started_at=session.started_at,
        ended_at=now_utc() - timedelta(minutes=5),
        device="Dermapen 4",
        areas=[("Cheeks", Decimal("1.0"), 3)],
        products=[ProductUse(world["lot"].product_id, "exo-rc-1", Decimal("2.5"))],
    )
    with pytest.raises(Invalid) as error:
        save_session(session, details, loaded_version=session.version, user=world["derm"])
    assert "EXO-RC-1 is recalled (Manufacturer recall)" in error.value.problems["products-0-lot_number"]


def test_recalled_stock_is_frozen(world):
    lot = world["lot"]
    before = lot.quantity_on_hand
    recall_lot(lot, "quarantined", "Storage fault", world["admin"])
    lot = db.session.get(ProductLot, lot.id)
    with pytest.raises(OutOfStock):
        draw(lot, 1)
    db.session.refresh(lot)
    assert lot.quantity_on_hand == before
    assert lot not in usable_lots(lot.clinic_id, now_utc().date())


def test_reason_and_status_are_required(world):
    with pytest.raises(Invalid) as error:
        recall_lot(world["lot"], "recalled", " ", world["admin"])
    assert "reason" in error.value.problems
    with pytest.raises(Invalid):
        recall_lot(world["lot"], "active", "Back in use", world["admin"])


def test_report_lists_every_session_with_its_notice(world):
    recall_lot(world["lot"], "recalled", "Manufacturer recall", world["admin"])
    rows = recall_report(world["lot"])
    assert [r.session_id for r in rows] == [s.id for s in world["sessions"]]
    assert all(r.notice is not None and r.notice.status == "pending" for r in rows)
    assert all(r.dermatologists_told_at is not None for r in rows)


def test_patient_without_email_gets_no_notice_but_is_audited(world):
    world["patients"][1].email = None
    db.session.flush()
    assert recall_lot(world["lot"], "recalled", "Manufacturer recall", world["admin"]) == 1
