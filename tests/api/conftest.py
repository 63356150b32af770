"""API fixtures: a staff user's token (the secret is what a client sends) and request helpers."""

from __future__ import annotations

import pytest

from clinic.api import tokens
from clinic.extensions import db
from tests.factories import make_user


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": False}


@pytest.fixture
def issue_token(app):
    """`issue_token("dermatologist", scope="read")` → (user, secret), committed; pass `user=` to reuse one."""

    def _issue(role: str = "dermatologist", *, scope: str = "read-write", user=None, days: int = 30, **kwargs):
        user = user or make_user(role, **kwargs)
        _token, secret = tokens.issue(user, name=f"{role} token", scope=scope, lifetime_days=days)
        db.session.commit()
        return user, secret

    return _issue


@pytest.fixture
def api(app, issue_token):
    """A test client plus the headers of a read-write dermatologist token: (client, headers, user)."""
    user, secret = issue_token("dermatologist")
    return app.test_client(), bearer(secret), user
