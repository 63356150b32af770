"""Reminder throughput: set-based planning and SMTP dispatch to a real local server (aiosmtpd).

N patients in one time zone, each with a portal account and the "aging" routine; at 21:00 local the PM
reminders are planned (one INSERT ... SELECT) and then sent by one dispatcher, then by two in parallel.
"""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from aiosmtpd.controller import Controller

from clinic.auth.models import User
from clinic.catalog.defaults import install_defaults
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.dispatcher import send_due
from clinic.reminders.models import OutboxMessage
from clinic.reminders.planner import plan
from clinic.routines.services import copy_template

ZONE = "America/New_York"
DAY = date(2026, 11, 26)


class CountingHandler:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            self.count += 1
        return "250 OK"


def _patients_with_routines(clinic, count: int) -> None:
    from bench.generate import add_patients

    install_defaults(clinic)
    add_patients(clinic, count, seed=7)
    patients = db.session.scalars(sa.select(Patient).where(Patient.clinic_id == clinic.id)).all()
    staff = db.session.scalar(sa.select(User).where(User.role == "dermatologist"))
    db.session.execute(
        sa.insert(User),
        [
            dict(
                clinic_id=clinic.id,
                email=f"portal{p.id}@bench.example",
                full_name=p.full_name,
                role="patient",
                patient_id=p.id,
                active=True,
                password_hash=None,
                created_at=DAY_START,
                updated_at=DAY_START,
            )
            for p in patients
        ],
    )
    for patient in patients:
        copy_template(patient, "aging", starts_on=DAY, user=staff)
    db.session.commit()


DAY_START = datetime(2026, 11, 26, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_reminders(name: str, app, clinic, count: int) -> None:
    handler = CountingHandler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    from clinic.extensions import mail

    mail.init_app(app)
    try:
        _patients_with_routines(clinic, count)
        pm = datetime(2026, 11, 26, 21, 0, tzinfo=ZoneInfo(ZONE)).astimezone(UTC)
        start = time.perf_counter()
        planned = plan(pm)
        db.session.commit()
        plan_s = time.perf_counter() - start
        start = time.perf_counter()
        result = send_due(pm, worker="bench-1")
        send_s = time.perf_counter() - start
        print(
            f"[{name}] reminders: {count} patients  planned {planned} in {plan_s * 1000:.0f} ms  "
            f"sent {result.sent} in {send_s:.1f} s ({result.sent / send_s:.0f}/s, one dispatcher)  "
            f"smtp received {handler.count}"
        )
        _parallel_send(name, app, pm, count)
    finally:
        controller.stop()


def _parallel_send(name: str, app, pm: datetime, count: int) -> None:
    """Re-queue the same rows and send them with two dispatchers at once: nothing twice, nothing lost."""
    db.session.execute(
        sa.update(OutboxMessage).values(status="pending", claimed_by=None, claimed_until=None, sent_at=None)
    )
    db.session.commit()
    counts: list[int] = []

    def worker(n: int) -> None:
        with app.app_context():
            counts.append(send_due(pm, worker=f"bench-{n}").sent)
            db.session.remove()

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in (2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    print(f"[{name}] reminders: two dispatchers sent {sum(counts)} of {count} in {elapsed:.1f} s (split {counts})")
