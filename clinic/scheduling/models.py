"""Scheduling: providers' working hours and time off, rooms, appointment types, appointments, series,
calendar-feed tokens and the patient's appointment-reminder opt-in.

Double booking is impossible at the database level: on PostgreSQL three exclusion constraints (btree_gist)
refuse overlapping active appointments of one provider, one room or one patient; on SQLite the booking service takes
the write lock before it checks for overlaps (see `scheduling.locking`).
"""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.db import Base, TimestampMixin, UTCDateTime, now_utc
from clinic.scheduling.exclusions import install_exclusions

#: Appointments in these states hold their provider's and room's time.
ACTIVE_STATUSES = ("booked", "checked_in", "completed")
STATUSES = {
    "booked": "Booked",
    "checked_in": "Checked in",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "no_show": "No-show",
}
PERFORMER_ROLES = {"dermatologist": "Dermatologist", "aesthetician": "Aesthetician"}
#: What a room can host; an appointment type may require one of these (rooms without it are never chosen).
CAPABILITIES = {"laser": "Laser", "microneedling": "Microneedling", "injections": "Injections"}
#: The capability a procedure kind needs by default (new appointment types, demo data, migration 0031).
CAPABILITY_FOR_PROCEDURE_KIND = {
    "microneedling": "microneedling",
    "laser": "laser",
    "scalp_topical": "microneedling",
    "scalp_injection": "injections",
}
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class WorkingHours(Base):
    """One working interval of a provider on a weekday, in the clinic's local time; several make breaks."""

    __tablename__ = "working_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    weekday: Mapped[int] = mapped_column(sa.SmallInteger)  # 0 = Monday
    starts: Mapped[time] = mapped_column(sa.Time)
    ends: Mapped[time] = mapped_column(sa.Time)

    provider = relationship("User")

    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        sa.CheckConstraint("starts < ends", name="order"),
    )


class TimeOff(Base):
    """A provider's absence, or a clinic holiday when `provider_id` is empty."""

    __tablename__ = "time_off"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(120))

    provider = relationship("User")

    __table_args__ = (sa.CheckConstraint("starts_at < ends_at", name="order"),)


class Room(Base):
    __tablename__ = "room"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    active: Mapped[bool] = mapped_column(default=True)
    #: Keys of `CAPABILITIES` this room is equipped for (a short list; rooms are few, so filtered in Python).
    capabilities: Mapped[list[str]] = mapped_column(sa.JSON, default=list, server_default="[]")

    __table_args__ = (sa.UniqueConstraint("clinic_id", "name", name="uq_room_clinic_name"),)

    def can_host(self, capability: str | None) -> bool:
        return capability is None or capability in (self.capabilities or [])

    @property
    def capability_labels(self) -> list[str]:
        return [CAPABILITIES.get(c, c) for c in self.capabilities or []]


class AppointmentType(Base):
    """What can be booked: a procedure, how long it takes, who performs it, and the cleanup buffer after."""

    __tablename__ = "appointment_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    procedure_id: Mapped[int] = mapped_column(sa.ForeignKey("procedure.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    duration_minutes: Mapped[int] = mapped_column()
    performer_role: Mapped[str] = mapped_column(sa.String(20))
    buffer_minutes: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    #: A key of `CAPABILITIES` the room must have (a laser session needs the laser room); None: any room.
    required_capability: Mapped[str | None] = mapped_column(sa.String(20))

    procedure = relationship("Procedure", lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
        sa.CheckConstraint("buffer_minutes >= 0", name="buffer_not_negative"),
        sa.CheckConstraint("performer_role IN ('dermatologist', 'aesthetician')", name="performer_role"),
    )


class Series(TimestampMixin, Base):
    """A patient's course of a protocol. The `next_*` dates are kept current by `series.refresh_series`
    so the follow-up queue is a plain, indexed SQL query (dates are the clinic's local dates)."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    protocol_id: Mapped[int] = mapped_column(sa.ForeignKey("protocol.id"))
    appointment_type_id: Mapped[int] = mapped_column(sa.ForeignKey("appointment_type.id"))
    package_sessions: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(12), default="active")
    started_on: Mapped[date | None] = mapped_column(sa.Date)
    sessions_done: Mapped[int] = mapped_column(default=0)
    sessions_booked: Mapped[int] = mapped_column(default=0)
    next_due_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    window_closes_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    #: Checkpoints marked by hand ("Checkpoint recorded"): the first N count as done even without a score.
    checkpoints_recorded: Mapped[int] = mapped_column(default=0)
    next_checkpoint_on: Mapped[date | None] = mapped_column(sa.Date, index=True)

    patient = relationship("Patient")
    protocol = relationship("Protocol")
    appointment_type = relationship("AppointmentType")
    appointments: Mapped[list[Appointment]] = relationship(back_populates="series", order_by="Appointment.starts_at")

    __table_args__ = (
        sa.CheckConstraint("package_sessions > 0", name="package_positive"),
        sa.CheckConstraint("status IN ('active', 'completed', 'cancelled')", name="status"),
    )

    @property
    def sessions_remaining(self) -> int:
        return max(self.package_sessions - self.sessions_done, 0)

    @property
    def in_maintenance(self) -> bool:
        """Induction is done and the protocol repeats a maintenance session every so many days."""
        return bool(self.protocol.maintenance_interval_days) and self.sessions_done >= self.package_sessions

    @property
    def progress_label(self) -> str:
        """Progress: "3 of 4 done", or in maintenance "Induction 5 of 5 done · maintenance due 12 Jun"."""
        if not self.in_maintenance:
            return f"{self.sessions_done} of {self.package_sessions} done"
        label = f"Induction {self.package_sessions} of {self.package_sessions} done · maintenance"
        if self.next_due_on is not None:
            return f"{label} due {self.next_due_on.day} {self.next_due_on:%b}"
        if self.status == "active":
            return f"{label} session booked"
        return label


class SeriesCheckpoint(Base):
    """One outcome checkpoint of a series (baseline, 3, 6, 9 months after its first session, from the
    protocol's `checkpoint_months`), dated by `series_rules.refresh_checkpoint` once the series has started.

    It counts as done when the patient has any outcome score within ± the clinic's series tolerance of
    `due_on` (the follow-up queue checks this in SQL, so a score recorded in a session needs no hook), or
    when staff marked it by hand: checkpoints at a position below `Series.checkpoints_recorded`.
    """

    __tablename__ = "series_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(sa.ForeignKey("series.id"), index=True)
    position: Mapped[int] = mapped_column()  # 0 = the first checkpoint (baseline)
    months: Mapped[int] = mapped_column()
    due_on: Mapped[date] = mapped_column(sa.Date, index=True)  # the clinic's local date

    __table_args__ = (sa.UniqueConstraint("series_id", "position", name="uq_series_checkpoint_position"),)


class Appointment(TimestampMixin, Base):
    __tablename__ = "appointment"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("room.id"), index=True)
    appointment_type_id: Mapped[int] = mapped_column(sa.ForeignKey("appointment_type.id"))
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("series.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: End plus the type's buffer: the provider and room are held until then.
    blocks_until: Mapped[datetime] = mapped_column(UTCDateTime)
    local_date: Mapped[date] = mapped_column(sa.Date, index=True)  # the clinic's date of `starts_at`
    status: Mapped[str] = mapped_column(sa.String(12), default="booked")
    overdue: Mapped[bool] = mapped_column(default=False)  # booked past the protocol's maximum interval
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(300))
    booked_via: Mapped[str] = mapped_column(sa.String(10), default="staff")
    reschedule_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    version: Mapped[int] = mapped_column(default=1)

    patient = relationship("Patient")
    provider = relationship("User", foreign_keys=[provider_id])
    room = relationship("Room")
    appointment_type = relationship("AppointmentType")
    series: Mapped[Series | None] = relationship(back_populates="appointments")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("starts_at < ends_at", name="order"),
        sa.CheckConstraint("ends_at <= blocks_until", name="buffer_order"),
        sa.CheckConstraint("status IN ('booked', 'checked_in', 'completed', 'cancelled', 'no_show')", name="status"),
        sa.CheckConstraint("booked_via IN ('staff', 'portal')", name="booked_via"),
        sa.Index("ix_appointment_provider_time", "provider_id", "starts_at"),
    )

    #: Warnings from booking or moving it (a recent laser/IPL session or sunburn); not stored.
    prep_warnings = ()

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]


class FeedToken(Base):
    """An iCalendar feed address: a random token, stored only as its SHA-256; revoking it ends the feed."""

    __tablename__ = "calendar_feed_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    patient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (sa.CheckConstraint("(patient_id IS NULL) <> (provider_id IS NULL)", name="one_owner"),)


class WaitlistEntry(TimestampMixin, Base):
    """A patient waiting for an earlier slot of a treatment between two local dates.

    When an appointment of that treatment is cancelled or moved away inside the range, the freed time is
    stored on the entry (`match_*`), and staff see it on the waitlist page with a one-click booking link.
    """

    __tablename__ = "waitlist_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    appointment_type_id: Mapped[int] = mapped_column(sa.ForeignKey("appointment_type.id"))
    earliest: Mapped[date] = mapped_column(sa.Date)
    latest: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(10), default="waiting")
    match_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    match_provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    patient = relationship("Patient")
    appointment_type = relationship("AppointmentType")
    match_provider = relationship("User", foreign_keys=[match_provider_id])

    __table_args__ = (
        sa.CheckConstraint("earliest <= latest", name="order"),
        sa.CheckConstraint("status IN ('waiting', 'booked', 'removed')", name="status"),
        sa.Index("ix_waitlist_entry_waiting", "clinic_id", "status", "earliest"),
    )


# The exclusion constraints (PostgreSQL) are installed with the table, see exclusions.py.
sa.event.listen(Appointment.__table__, "after_create", install_exclusions)
