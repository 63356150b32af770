"""Personal API tokens: a staff user's key to /api/v1, acting with their role and clinic."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.db import Base, UTCDateTime, now_utc

SCOPES = {"read": "Read only", "read-write": "Read and write"}


class ApiToken(Base):
    """One named token. Only the SHA-256 of the secret is stored; the secret is shown once, at creation.

    A token stops working when it expires, when it is revoked, or when its owner is deactivated.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The first characters of the secret (after the prefix), so the owner can tell tokens apart.
    hint: Mapped[str] = mapped_column(sa.String(16))
    scope: Mapped[str] = mapped_column(sa.String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", lazy="joined")

    __table_args__ = (sa.CheckConstraint("scope IN ('read', 'read-write')", name="scope"),)

    @property
    def writable(self) -> bool:
        return self.scope == "read-write"

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now
