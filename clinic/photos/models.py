"""Clinical photographs: before/after per standard view, stored outside static/ under a random name."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from clinic.db import Base, UTCDateTime, now_utc

STANDARD_VIEWS: dict[str, str] = {
    "face_front": "Face, front",
    "face_45_left": "Face, 45° left",
    "face_45_right": "Face, 45° right",
    "face_profile_left": "Face, left profile",
    "face_profile_right": "Face, right profile",
    "scalp_frontal": "Scalp, frontal",
    "scalp_vertex": "Scalp, vertex",
    "scalp_part_line": "Scalp, part line",
}
PHASES: dict[str, str] = {"before": "Before", "after": "After"}


class Photo(Base):
    __tablename__ = "photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"))
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("treatment_session.id"), index=True)
    view: Mapped[str] = mapped_column(sa.String(20))
    phase: Mapped[str] = mapped_column(sa.String(6))
    taken_on: Mapped[date] = mapped_column(sa.Date)
    #: Random file name inside the photo folder; never derived from the upload's name.
    storage_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    size_bytes: Mapped[int] = mapped_column()
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    #: Staff chose to show this photo to the patient in the portal's progress page.
    shared_with_patient: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    __table_args__ = (
        sa.Index("ix_photo_patient_view", "patient_id", "view", "taken_on"),
        sa.CheckConstraint("phase IN ('before', 'after')", name="phase"),
    )

    @property
    def view_label(self) -> str:
        return STANDARD_VIEWS.get(self.view, self.view)
