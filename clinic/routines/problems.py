"""'Report a problem': a patient's message that lands in the treating dermatologist's inbox."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.db import Base, UTCDateTime, now_utc


class ProblemReport(Base):
    __tablename__ = "problem_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    dermatologist_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    message: Mapped[str] = mapped_column(sa.Text)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    patient = relationship("Patient", lazy="joined")
