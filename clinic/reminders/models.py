"""The reminders outbox: every message the clinic will send is a row first.

A row's `dedupe_key` is unique (for example `routine:pm:patient=12:2026-11-26`), so planning the same
reminder twice adds nothing and it can never be sent twice. The dispatcher claims due rows, sends, and
marks them sent; a crash between claim and send leaves the row to be reclaimed after a lease expires.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from clinic.db import Base, TimestampMixin, UTCDateTime

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "cancelled")


class OutboxMessage(TimestampMixin, Base):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    patient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    channel: Mapped[str] = mapped_column(sa.String(10), default="email")
    recipient: Mapped[str] = mapped_column(sa.String(254))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    message_id: Mapped[str | None] = mapped_column(sa.String(200))
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')", name="status"
        ),
        sa.Index(
            "ix_outbox_message_due_unsent",
            "due_at",
            postgresql_where=sa.text("status IN ('pending', 'sending')"),
            sqlite_where=sa.text("status IN ('pending', 'sending')"),
        ),
    )


class ReminderPreference(TimestampMixin, Base):
    """A patient's reminder settings. Times are minutes after local midnight (0–1439) in the patient's zone.

    Quiet hours run from `quiet_start` to `quiet_end` and may wrap past midnight (22:00–07:00); equal
    start and end would cover the whole day and are refused by the form and by a check constraint.
    """

    __tablename__ = "reminder_preference"

    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), primary_key=True)
    am_minute: Mapped[int] = mapped_column(default=8 * 60)
    pm_minute: Mapped[int] = mapped_column(default=21 * 60)
    quiet_start: Mapped[int | None] = mapped_column()
    quiet_end: Mapped[int | None] = mapped_column()
    email_enabled: Mapped[bool] = mapped_column(default=True)
    opted_out: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        sa.CheckConstraint("am_minute BETWEEN 0 AND 1439", name="am_range"),
        sa.CheckConstraint("pm_minute BETWEEN 0 AND 1439", name="pm_range"),
        sa.CheckConstraint(
            "(quiet_start IS NULL AND quiet_end IS NULL) OR "
            "(quiet_start BETWEEN 0 AND 1439 AND quiet_end BETWEEN 0 AND 1439 AND quiet_start <> quiet_end)",
            name="quiet_hours",
        ),
    )


DEFAULT_AM_MINUTE = 8 * 60
DEFAULT_PM_MINUTE = 21 * 60
