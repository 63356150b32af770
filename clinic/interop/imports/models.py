"""A file an admin uploaded for a dry run, kept until they confirm the import (or it expires).

Kept in the database, not on a local disk, so the confirming request may reach any app server."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from clinic.db import Base, UTCDateTime, now_utc


class ImportUpload(Base):
    __tablename__ = "import_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the token the confirm form carries: a database reader cannot confirm someone's import.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    filename: Mapped[str] = mapped_column(sa.String(255))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    __table_args__ = (sa.CheckConstraint("kind IN ('patients', 'appointments')", name="kind"),)
