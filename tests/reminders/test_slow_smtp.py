"""Defect 14.22: reminders sent twice when the mail server is slow, or when a dispatcher is killed after the
server accepted a message. Real local SMTP servers (aiosmtpd) that are slow on purpose; kill -9 for real."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from clinic.extensions import db, mail
from clinic.reminders import dispatcher
from clinic.reminders.models import OutboxMessage
from clinic.reminders.outbox import enqueue
from tests.factories import make_patient
from tests.fixtures.mail import _free_port


class SlowHandler:
    """Takes `data_delay` seconds to accept each message; with `slow_quit`, hangs on QUIT."""

    def __init__(self, data_delay: float = 0.0) -> None:
        self.data_delay = data_delay
        self.slow_quit = False
        self.quit_seen = threading.Event()
        self.message_ids: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        await asyncio.sleep(self.data_delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.message_ids.append(str(message["Message-ID"]))
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope):  # noqa: N802
        if self.slow_quit:
            self.quit_seen.set()
            await asyncio.sleep(60)
        return "221 Bye"


@pytest.fixture
def slow_smtp(app):
    handler = SlowHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(
        MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False, MAIL_USE_SSL=False
    )
    mail.init_app(app)
    yield handler
    controller.stop()


def _queue(n: int, due: datetime) -> list[int]:
    patient = make_patient()
    for i in range(n):
        enqueue(
            clinic_id=patient.clinic_id,
            patient_id=patient.id,
            kind="appointment_confirmation",
            dedupe_key=f"appt:{i}:booked",
            recipient=patient.email,
            due_at=due,
            payload={
                "clinic_name": "Lumen",
                "local_time": "Friday 27 November 2026, 10:00 GMT",
                "patient_first_name": "Pat",
                "provider_name": "Dr. Chen",
            },
        )
    db.session.commit()
    return list(db.session.scalars(sa.select(OutboxMessage.id)))


def _statuses() -> Counter:
    db.session.expire_all()
    return Counter(db.session.scalars(sa.select(OutboxMessage.status)))


def test_a_slow_server_and_a_short_lease_send_nothing_twice(app, slow_smtp, monkeypatch):
    """12 messages at 0.25 s each under a 1 s lease: a second dispatcher starts when the first one's claim has
    expired. The first renews its lease row by row and marks sent only rows it still holds."""
    monkeypatch.setattr(dispatcher, "LEASE", timedelta(seconds=1))
    slow_smtp.data_delay = 0.25
    _queue(12, datetime.now(UTC) - timedelta(minutes=1))
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            with app.app_context():
                dispatcher.send_due(datetime.now(UTC), worker=name)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    first = threading.Thread(target=run, args=("first",))
    first.start()
    time.sleep(1.3)  # the first claim's lease has run out by now, with messages still to send
    second = threading.Thread(target=run, args=("second",))
    second.start()
    first.join(60)
    second.join(60)
    assert errors == []
    counts = Counter(slow_smtp.message_ids)
    assert len(counts) == 12 and max(counts.values()) == 1, counts
    assert _statuses() == {"sent": 12}


WORKER = """
import json, os, sys
from datetime import datetime
from clinic import create_app
from clinic.reminders.dispatcher import send_due

app = create_app(json.loads(os.environ["CLINIC_TEST_APP_CONFIG"]))
with app.app_context():
    send_due(datetime.fromisoformat(sys.argv[1]), worker="doomed")
"""


def test_a_dispatcher_killed_after_the_server_accepted_does_not_resend(app, slow_smtp):
    """The server accepts both messages, then hangs on QUIT; the dispatcher is killed with SIGKILL there.
    Both rows were marked sent after their DATA, so the next dispatcher resends nothing."""
    now = datetime.now(UTC)
    ids = _queue(2, now - timedelta(minutes=1))
    slow_smtp.slow_quit = True
    config = {k: v for k, v in app.config.items() if isinstance(v, str | int | float | bool | type(None))}
    config.pop("PERMANENT_SESSION_LIFETIME", None)
    env = {**os.environ, "CLINIC_TEST_APP_CONFIG": json.dumps(config)}
    db.session.remove()
    process = subprocess.Popen([sys.executable, "-c", WORKER, now.isoformat()], env=env)
    try:
        assert slow_smtp.quit_seen.wait(60), "the dispatcher never reached QUIT"
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    slow_smtp.slow_quit = False
    dispatcher.send_due(now + dispatcher.LEASE + timedelta(minutes=1), worker="next")
    assert Counter(slow_smtp.message_ids) == {f"<outbox-{i}@localhost>": 1 for i in ids}
    assert _statuses() == {"sent": 2}
