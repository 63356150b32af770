"""Reminder throughput: set-based planning and SMTP dispatch to a real local server (aiosmtpd).

N patients in one time zone, each with a portal account and the "aging" routine; at 21:00 local the PM
reminders are planned (INSERT ... SELECT per zone, slot and channel), timed against the yardstick of one raw
INSERT ... SELECT of as many outbox rows (same columns, no rules), then sent by one dispatcher, then by two
in parallel. The SMTP sink (aiosmtpd's Sink, accepting at once) runs in its own process, so the server's
work does not share the dispatcher's interpreter lock.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from clinic.auth.models import User
from clinic.catalog.defaults import install_defaults
from clinic.db import UTCDateTime
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.dispatcher import send_due
from clinic.reminders.models import OutboxMessage
from clinic.reminders.planner import OUTBOX_COLUMNS, json_literal, plan
from clinic.routines.services import copy_template

ZONE = "America/New_York"
DAY = date(2026, 11, 26)


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


@contextmanager
def smtp_sink() -> Iterator[int]:
    """aiosmtpd's Sink in a subprocess on a free port; yields the port."""
    port = _free_port()
    proc = subprocess.Popen(  # noqa: S603 - aiosmtpd from this venv
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with socket.socket() as s, contextlib.suppress(OSError):
                s.connect(("127.0.0.1", port))
                break
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def raw_insert_select(now: datetime) -> tuple[int, float]:
    """The yardstick: one INSERT ... SELECT of an outbox row per patient with a portal account, no rules;
    the rows are deleted again. Returns (rows, seconds)."""
    start = time.perf_counter()
    select = (
        sa.select(
            Patient.clinic_id,
            Patient.id,
            sa.literal("raw"),
            sa.literal("raw:") + sa.cast(Patient.id, sa.String),
            sa.literal("email"),
            Patient.email,
            sa.literal(now, UTCDateTime),
            sa.literal("pending"),
            sa.literal(0),
            json_literal({}),
            sa.literal(now, UTCDateTime),
            sa.literal(now, UTCDateTime),
        )
        .join(User, User.patient_id == Patient.id)
        .where(Patient.timezone == ZONE)
    )
    rows = db.session.execute(sa.insert(OutboxMessage).from_select(OUTBOX_COLUMNS, select)).rowcount
    db.session.commit()
    elapsed = time.perf_counter() - start
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.kind == "raw"))
    db.session.commit()
    return rows, elapsed


@dataclass
class ReminderFigures:
    planned: int = 0
    plan_s: float = 0.0
    raw_s: float = 0.0
    sent: int = 0
    send_s: float = 0.0
    parallel: float = 0.0  # messages/s with two dispatchers

    @property
    def per_second(self) -> float:
        return self.sent / self.send_s if self.send_s else 0.0


def bench_reminders(name: str, app, clinic, count: int) -> ReminderFigures:
    figures = ReminderFigures()
    from clinic.extensions import mail

    with smtp_sink() as port:
        app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
        mail.init_app(app)
        _patients_with_routines(clinic, count)
        pm = datetime(2026, 11, 26, 21, 0, tzinfo=ZoneInfo(ZONE)).astimezone(UTC)
        _, figures.raw_s = raw_insert_select(pm)
        start = time.perf_counter()
        figures.planned = plan(pm)
        db.session.commit()
        figures.plan_s = time.perf_counter() - start
        start = time.perf_counter()
        result = send_due(pm, worker="bench-1")
        figures.send_s = time.perf_counter() - start
        figures.sent = result.sent
        sent_rows = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.status == "sent"))
        print(
            f"[{name}] reminders: {count} patients  planned {figures.planned} in {figures.plan_s * 1000:.0f} ms "
            f"({figures.plan_s / figures.raw_s:.1f}x a raw INSERT ... SELECT of as many rows, "
            f"{figures.raw_s * 1000:.0f} ms)  sent {result.sent} in {figures.send_s:.1f} s "
            f"({figures.per_second:.0f}/s, one dispatcher; {sent_rows} rows marked sent)"
        )
        figures.parallel = _parallel_send(name, app, pm, count)
    return figures


def _parallel_send(name: str, app, pm: datetime, count: int) -> float:
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
    rate = sum(counts) / elapsed
    print(f"[{name}] reminders: two dispatchers sent {sum(counts)} of {count} in {elapsed:.1f} s ({rate:.0f}/s)")
    return rate
