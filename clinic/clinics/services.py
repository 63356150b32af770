"""Looking up the clinic a request works in."""

from __future__ import annotations

import sqlalchemy as sa

from clinic.clinics.models import Clinic
from clinic.extensions import db


def default_clinic() -> Clinic | None:
    """The first clinic: a single-clinic install has exactly one; used by the CLI and the login page."""
    return db.session.scalars(sa.select(Clinic).order_by(Clinic.id).limit(1)).first()
