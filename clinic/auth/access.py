"""The scoped lookup for accounts: admins manage only their own clinic's users."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from clinic.access import deny
from clinic.auth.models import User
from clinic.extensions import db


def get_clinic_user(user_id: int) -> User:
    """The account, if it belongs to the logged-in admin's clinic; otherwise 404 (and an audit event)."""
    user = db.session.scalar(
        sa.select(User).where(User.id == user_id, User.clinic_id == current_user.clinic_id)
    )
    if user is None:
        deny(404, detail=f"user {user_id} out of scope")
    return user
