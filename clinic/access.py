"""Default-deny access policy.

Every view must say who may reach it: `@public` for the few pages meant for anyone (login, password reset,
feeds behind an unguessable token), `@role_required(...)` for the rest. `enforce_access_policy` runs before
every request and refuses any endpoint that says neither, so a forgotten decorator fails closed and the
route × role test in tests/test_access_matrix.py names it.

Object access goes through each feature's scoped lookup (for example `patients.access.get_patient`):
an object outside the user's scope is *not found* (404); a role that may know the object but not act on it
gets 403. Both leave an audit event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import NoReturn, TypeVar

from flask import abort, current_app, request
from flask_login import current_user

from clinic.auth.roles import Role

F = TypeVar("F", bound=Callable)


def public(view: F) -> F:
    """Mark a view as reachable without logging in."""
    view.access_public = True  # type: ignore[attr-defined]
    return view


def role_required(*roles: Role | str) -> Callable[[F], F]:
    """Allow only logged-in users whose role is one of `roles`; others get 403 (and an audit event)."""
    allowed = frozenset(Role(r) for r in roles)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in allowed:
                deny(403, detail=f"role {current_user.role} not in {sorted(allowed)}")
            return view(*args, **kwargs)

        wrapped.access_roles = allowed  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def allowed_roles(view: Callable) -> frozenset[Role] | None:
    return getattr(view, "access_roles", None)


def is_public(view: Callable) -> bool:
    return bool(getattr(view, "access_public", False))


def deny(status: int, *, detail: str = "", patient_id: int | None = None) -> NoReturn:
    """Refuse the request, keeping an audit event of the refusal even though the request itself fails."""
    from clinic.audit.services import record_denial

    record_denial(status=status, detail=detail, patient_id=patient_id)
    abort(status)


def enforce_access_policy():
    """before_request hook: static files pass, public views pass, everything else needs a declared role."""
    if request.endpoint is None or request.endpoint == "static" or request.endpoint.endswith(".static"):
        return None
    view = current_app.view_functions.get(request.endpoint)
    if view is None or is_public(view):
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if allowed_roles(view) is None:
        deny(403, detail=f"endpoint {request.endpoint} declares no access policy")
    return None


def roles_of(*groups: Iterable[Role]) -> tuple[Role, ...]:
    return tuple({role for group in groups for role in group})
