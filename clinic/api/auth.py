"""Who is calling /api/v1: a personal API token, never a cookie session.

- `user_from_token` (Flask-Login's request loader) turns `Authorization: Bearer <token>` into the token's
  owner, so `role_required`, `scoped_get` and the clinic scoping apply unchanged. It answers on API paths only.
- `session_user_outside_api` wraps the cookie-session loader: on API paths a session cookie logs nobody in,
  so a browser (or a cross-site form) cannot act through the API with someone's login cookie. That is also
  why the API blueprints are exempt from CSRF: nothing on them can be reached without a bearer token.
- `guard` (before each request, after the access policy) refuses writes with a read-only token (403) and
  bodies that are not JSON (415).
- `rate_key`: the limit counts per token (its hash), or per address for requests without one; `address_key`:
  a looser limit per address over all the tokens it presents, so guessing tokens slows down as well.
"""

from __future__ import annotations

import hashlib

from flask import Request, abort, g, request
from flask_login import AnonymousUserMixin

from clinic.access import deny
from clinic.api import tokens
from clinic.api.models import ApiToken
from clinic.api.problems import is_api_request
from clinic.audit.services import record
from clinic.auth.models import User
from clinic.auth.services import load_session_user
from clinic.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def bearer_secret(req: Request) -> str | None:
    scheme, _, value = (req.headers.get("Authorization") or "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def user_from_token(req: Request) -> User | None:
    """Flask-Login request loader: the owner of a live token presented on an API path, else None (→ 401)."""
    if not is_api_request():
        return None
    secret = bearer_secret(req)
    if secret is None:
        return None
    token = tokens.find(secret)
    if token is None or not tokens.usable(token):
        _audit_refused(token)
        return None
    tokens.touch(token)
    g.api_token = token
    return token.user


def _audit_refused(token: ApiToken | None) -> None:
    """Keep a trace of a refused token (in its own commit: the request is about to fail with 401). The
    owner of a known but dead token is named; nobody is logged in, so `record` must not ask Flask-Login."""
    db.session.rollback()
    reason = "unknown" if token is None else "expired, revoked or its owner may no longer use it"
    record(
        "access.denied",
        outcome="denied",
        user=token.user if token is not None else AnonymousUserMixin(),
        clinic_id=token.clinic_id if token is not None else None,
        object_type="api_token" if token is not None else None,
        object_id=token.id if token is not None else None,
        detail=f"401 {request.method} {request.path} API token {reason}",
    )
    db.session.commit()


def session_user_outside_api(user_id: str) -> User | None:
    """Flask-Login user loader: the cookie session's user everywhere except on the API."""
    if is_api_request():
        return None
    return load_session_user(user_id)


def current_token() -> ApiToken | None:
    return g.get("api_token")


def guard() -> None:
    """before_request on API paths (after the access policy has authenticated the token)."""
    if not is_api_request() or request.endpoint is None:
        return
    token = current_token()
    if token is not None and request.method not in SAFE_METHODS and not token.writable:
        deny(403, detail=f"read-only API token {token.id}")
    if request.method in BODY_METHODS and not (
        request.mimetype == "application/json" or request.mimetype.endswith("+json")
    ):
        abort(415)


def address_key() -> str:
    return f"api-addr:{request.remote_addr}"


def rate_key() -> str:
    secret = bearer_secret(request)
    if secret:
        return "api-token:" + hashlib.sha256(secret.encode()).hexdigest()[:32]
    return f"api-addr:{request.remote_addr}"
