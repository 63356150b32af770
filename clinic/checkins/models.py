"""A patient's answer to one aftercare check-in (day 1, 3 or 7 after a recorded procedure)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.db import Base, UTCDateTime, now_utc

CHECKIN_DAYS = (1, 3, 7)
SCORES = ("redness", "swelling", "pain", "itch")
SIGNS = ("fever", "pus", "spreading_redness")


class Checkin(Base):
    """One answer per procedure and day (the unique key keeps a second tab's answer out)."""

    __tablename__ = "aftercare_checkin"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    aftercare_id: Mapped[int] = mapped_column(sa.ForeignKey("aftercare_record.id"))
    day: Mapped[int] = mapped_column()
    redness: Mapped[int] = mapped_column()
    swelling: Mapped[int] = mapped_column()
    pain: Mapped[int] = mapped_column()
    itch: Mapped[int] = mapped_column()
    fever: Mapped[bool] = mapped_column(default=False)
    pus: Mapped[bool] = mapped_column(default=False)
    spreading_redness: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(sa.Text)
    photo_id: Mapped[int | None] = mapped_column(sa.ForeignKey("photo.id"))
    #: Red-flag codes, space-separated ("pain worse"); empty when none.
    red_flags: Mapped[str] = mapped_column(sa.String(80), default="")
    problem_report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("problem_report.id"))
    answered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    aftercare = relationship("AftercareRecord", lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("aftercare_id", "day", name="uq_aftercare_checkin_day"),
        sa.CheckConstraint("day IN (1, 3, 7)", name="day"),
        *(sa.CheckConstraint(f"{s} BETWEEN 0 AND 10", name=f"{s}_range") for s in SCORES),
    )

    @property
    def flags(self) -> list[str]:
        return self.red_flags.split()

    @property
    def total(self) -> int:
        return self.redness + self.swelling + self.pain + self.itch


#: DOMAIN.md's defaults, used until an admin saves the clinic's own (checkins.settings).
DEFAULT_RED_FLAG_PAIN = 7
DEFAULT_OPEN_DAYS = 14
#: What an admin may choose: below 4 nearly every day-1 answer would be urgent; the window must reach day 7.
RED_FLAG_PAIN_RANGE = (4, 10)
OPEN_DAYS_RANGE = (7, 30)


class CheckinSettings(Base):
    """Per-clinic check-in defaults an admin can change (Safety settings page): the pain score that is a red
    flag and how many days after the treatment a check-in can still be answered. One row once saved."""

    __tablename__ = "checkin_settings"

    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), primary_key=True)
    red_flag_pain: Mapped[int] = mapped_column(default=DEFAULT_RED_FLAG_PAIN)
    open_days: Mapped[int] = mapped_column(default=DEFAULT_OPEN_DAYS)

    __table_args__ = (
        sa.CheckConstraint(
            f"red_flag_pain BETWEEN {RED_FLAG_PAIN_RANGE[0]} AND {RED_FLAG_PAIN_RANGE[1]}", name="red_flag_pain_range"
        ),
        sa.CheckConstraint(f"open_days BETWEEN {OPEN_DAYS_RANGE[0]} AND {OPEN_DAYS_RANGE[1]}", name="open_days_range"),
    )
