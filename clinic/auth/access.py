"""The scoped lookup for accounts: admins manage only their own clinic's users."""

from __future__ import annotations

from clinic.access import scoped_get
from clinic.auth.models import User


def get_clinic_user(user_id: int) -> User:
    """The account, if it belongs to the logged-in admin's clinic; otherwise 404 (and an audit event)."""
    return scoped_get(User, user_id)
