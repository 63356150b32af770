"""Which clinic, which time zone and which "today" a request works in: answered here, once.

Staff work in their clinic's zone; a patient sees their own zone. Outside a request (the CLI, the reminders
dispatcher) the zone is UTC unless a clinic is named. A second location later changes these functions only.
The answers are kept on `flask.g` for the request, so templates may ask for them on every row.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import g, has_request_context
from flask_login import current_user

from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.roles import Role

_UTC = ZoneInfo("UTC")


def default_clinic() -> Clinic | None:
    """The first clinic: a single-clinic install has exactly one; used by the CLI and the login page."""
    return db.session.scalars(sa.select(Clinic).order_by(Clinic.id).limit(1)).first()


def _logged_in() -> bool:
    return has_request_context() and current_user.is_authenticated


def clinic_zone() -> ZoneInfo:
    """The zone of the logged-in user's clinic; UTC outside a request."""
    if has_request_context() and "clinic_zone" in g:  # asked on every row: no current_user lookup then
        return g.clinic_zone
    if not _logged_in():
        return _UTC
    g.clinic_zone = ZoneInfo(current_user.clinic.timezone)
    return g.clinic_zone


def viewer_zone() -> ZoneInfo:
    """The zone times are shown in: a patient's own, staff's clinic's, UTC for a visitor."""
    if has_request_context() and "viewer_zone" in g:
        return g.viewer_zone
    if not _logged_in():
        return _UTC
    patient = current_user.patient if current_user.role == Role.PATIENT else None
    g.viewer_zone = ZoneInfo(patient.timezone) if patient is not None else clinic_zone()
    return g.viewer_zone


def clinic_today() -> date:
    """Today in the clinic's time zone (the logged-in user's clinic), UTC outside a request."""
    return datetime.now(clinic_zone()).date()


def to_clinic_utc(local: datetime | None) -> datetime | None:
    """A naive datetime typed in the clinic's zone (a form field), as an aware UTC datetime."""
    return None if local is None else local.replace(tzinfo=clinic_zone()).astimezone(UTC)


def to_clinic_local(value: datetime | None) -> datetime | None:
    """An aware datetime as the naive clinic-local minute a form field shows."""
    if value is None:
        return None
    return value.astimezone(clinic_zone()).replace(tzinfo=None, second=0, microsecond=0)
