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
    #: E-mail: the Message-ID; SMS: the provider's message id (status callbacks find the row by it).
    message_id: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    #: The SMS provider's last reported delivery status (queued, sent, delivered, undelivered, failed).
    delivery_status: Mapped[str | None] = mapped_column(sa.String(20))
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')", name="status"),
        sa.Index(
            "ix_outbox_message_due_unsent",
            "due_at",
            postgresql_where=sa.text("status IN ('pending', 'sending')"),
            sqlite_where=sa.text("status IN ('pending', 'sending')"),
        ),
    )


CHANNELS = ("email", "sms")
DEFAULT_AM_MINUTE = 8 * 60
DEFAULT_PM_MINUTE = 21 * 60


class ReminderPreference(TimestampMixin, Base):
    """A patient's settings for one channel (e-mail or SMS). Times are minutes after local midnight (0–1439).

    `enabled` is the permission to contact the patient by this channel at all: on by default for e-mail,
    off for SMS until the patient (portal) or staff (chart, recorded consent) turns it on; an SMS "STOP"
    turns it off. `address` is where SMS goes (E.164); e-mail goes to the patient's e-mail address.
    Quiet hours run from `quiet_start` to `quiet_end` and may wrap past midnight (22:00–07:00).
    """

    __tablename__ = "reminder_channel_preference"

    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    address: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    am_minute: Mapped[int] = mapped_column(default=DEFAULT_AM_MINUTE)
    pm_minute: Mapped[int] = mapped_column(default=DEFAULT_PM_MINUTE)
    quiet_start: Mapped[int | None] = mapped_column()
    quiet_end: Mapped[int | None] = mapped_column()
    #: Who recorded the permission and how: "portal", "staff" (on the chart), "sms" (a START/STOP reply).
    consent_source: Mapped[str | None] = mapped_column(sa.String(10))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    __table_args__ = (
        sa.CheckConstraint("channel IN ('email', 'sms')", name="channel"),
        sa.CheckConstraint("am_minute BETWEEN 0 AND 1439", name="am_range"),
        sa.CheckConstraint("pm_minute BETWEEN 0 AND 1439", name="pm_range"),
        sa.CheckConstraint(
            "(quiet_start IS NULL AND quiet_end IS NULL) OR "
            "(quiet_start BETWEEN 0 AND 1439 AND quiet_end BETWEEN 0 AND 1439 AND quiet_start <> quiet_end)",
            name="quiet_hours",
        ),
    )


class ReminderOptIn(Base):
    """A patient's explicit choice for one reminder topic on one channel; no row means the topic's default."""

    __tablename__ = "reminder_opt_in"

    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    topic: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    wanted: Mapped[bool] = mapped_column()
