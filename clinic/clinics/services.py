"""Looking up the clinic a request works in."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import has_request_context
from flask_login import current_user

from clinic.clinics.models import Clinic
from clinic.extensions import db


def default_clinic() -> Clinic | None:
    """The first clinic: a single-clinic install has exactly one; used by the CLI and the login page."""
    return db.session.scalars(sa.select(Clinic).order_by(Clinic.id).limit(1)).first()


def clinic_today() -> date:
    """Today in the clinic's time zone (the logged-in user's clinic), UTC outside a request."""
    zone = ZoneInfo("UTC")
    if has_request_context() and current_user.is_authenticated:
        zone = current_user.clinic.zone
    return datetime.now(zone).date()
