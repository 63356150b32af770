"""The clinic's safety settings row (thresholds, recall notice wording), created with defaults on first use."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from clinic.extensions import db
from clinic.safety.models import SafetySettings


def safety_settings(clinic_id: int) -> SafetySettings:
    """The clinic's settings; inserted with the defaults if missing (concurrent callers insert one row)."""
    settings = db.session.get(SafetySettings, clinic_id)
    if settings is not None:
        return settings
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.session.execute(insert(SafetySettings).values(clinic_id=clinic_id).on_conflict_do_nothing())
    return db.session.scalar(sa.select(SafetySettings).where(SafetySettings.clinic_id == clinic_id))
