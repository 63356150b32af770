"""The clinic: the scope every staff member and patient belongs to, and its per-clinic settings."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from clinic.db import Base, TimestampMixin


class Clinic(TimestampMixin, Base):
    __tablename__ = "clinic"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="America/New_York")
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    # Login session limits (DOMAIN defaults: 30 minutes idle, 12 hours absolute).
    idle_timeout_minutes: Mapped[int] = mapped_column(default=30)
    absolute_session_hours: Mapped[int] = mapped_column(default=12)
    # Scheduling: patients may move or cancel online until this many hours before; fixed-day protocols
    # (scalp: days 1, 15, 45...) accept a session this many days either side of its planned day.
    booking_cutoff_hours: Mapped[int] = mapped_column(default=24, server_default="24")
    series_tolerance_days: Mapped[int] = mapped_column(default=3, server_default="3")
    # Staff roles that must log in with a second factor (comma-separated); patients may opt in.
    totp_required_roles: Mapped[str] = mapped_column(
        sa.String(100), default="dermatologist,admin", server_default="dermatologist,admin"
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def __repr__(self) -> str:
        return f"<Clinic {self.id} {self.name!r}>"
