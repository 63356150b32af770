"""Sending in bulk through the real local SMTP server: one connection per claimed batch, each patient's day
and reminder choices read once per batch (no day plan per message), the same statements per batch whatever
its size, and still nothing sent twice and every opt-out made after queueing respected."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.dispatcher import send_due
from clinic.reminders.models import OutboxMessage, ReminderOptIn
from clinic.reminders.planner import plan
from clinic.routines import reminders as routine_reminders
from tests.reminders.helpers import patient_with_routine

PM_LONDON = datetime(2026, 11, 26, 21, 0, tzinfo=UTC)


@pytest.fixture
def connections(monkeypatch) -> list[tuple]:
    """Every SMTP connection the dispatcher opens (to the real server)."""
    opened: list[tuple] = []
    connect = smtplib.SMTP.connect

    def counting(self, *args, **kwargs):
        opened.append(args)
        return connect(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "connect", counting)
    return opened


@pytest.fixture
def day_plans(monkeypatch) -> list[int]:
    computed: list[int] = []
    real = routine_reminders.day_plan

    def counting(patient, day):
        computed.append(patient.id)
        return real(patient, day)

    monkeypatch.setattr(routine_reminders, "day_plan", counting)
    return computed


def _queue(patients: int) -> list:
    made = [patient_with_routine("Europe/London")[0] for _ in range(patients)]
    assert plan(PM_LONDON) == patients
    db.session.commit()
    return made


def _statuses() -> dict[int, str]:
    db.session.expire_all()
    return dict(db.session.execute(sa.select(OutboxMessage.patient_id, OutboxMessage.status)).tuples().all())


def test_batches_reuse_one_smtp_connection_and_compute_no_day_plan_per_message(mailbox, connections, day_plans):
    _queue(7)
    result = send_due(PM_LONDON, worker="bulk", batch=3)
    assert result.sent == 7
    assert len(mailbox) == 7
    assert len(connections) == 3  # batches of 3, 3 and 1
    assert day_plans == []  # steps left come from one query per batch (prepare_batch), not a day plan each
    assert {m["Subject"] for m in mailbox} == {"Your PM routine: 2 steps"}
    assert send_due(PM_LONDON, worker="again").sent == 0  # nothing twice


def _statements_for_batch(count_queries, total: int) -> list[str]:
    """Statements of sending one batch to `total` patients (patients are added up to `total`)."""
    have = db.session.scalar(sa.select(sa.func.count(Patient.id)))
    for _ in range(total - have):
        patient_with_routine("Europe/London")
    db.session.execute(sa.delete(OutboxMessage))
    assert plan(PM_LONDON) == total
    db.session.commit()
    with count_queries() as log:
        assert send_due(PM_LONDON, worker=f"size-{total}", batch=50).sent == total
    return log.statements


def test_reads_per_batch_do_not_grow_with_its_messages(mailbox, count_queries):
    small = _statements_for_batch(count_queries, 2)
    large = _statements_for_batch(count_queries, 6)
    reads = [len([s for s in run if s.lstrip().upper().startswith("SELECT")]) for run in (small, large)]
    assert reads[0] == reads[1] <= 8, (small, large)
    # Writes grow only by what claims and marks each row (one statement per row; SQLite claims row by row).
    assert len(large) - len(small) <= 2 * 4


def test_an_opt_out_after_queueing_is_respected_in_a_bulk_batch(mailbox):
    keeps, leaves, stays = _queue(3)
    db.session.add(ReminderOptIn(patient_id=leaves.id, channel="email", topic="routine", wanted=False))
    db.session.commit()
    result = send_due(PM_LONDON, worker="bulk")
    assert (result.sent, result.cancelled) == (2, 1)
    assert _statuses() == {keeps.id: "sent", leaves.id: "cancelled", stays.id: "sent"}
    assert {m["To"] for m in mailbox} == {keeps.email, stays.email}
