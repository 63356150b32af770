"""Default-deny access policy.

Every view must say who may reach it: `@public` for the few pages meant for anyone (login, password reset,
feeds behind an unguessable token), `@role_required(...)` for the rest. `enforce_access_policy` runs before
every request and refuses any endpoint that says neither, so a forgotten decorator fails closed and the
route × role test in tests/test_access_matrix.py names it.

Object access goes through `scoped_get`, which each feature's `access.py` builds on (for example
`patients.access.get_patient`): an object outside the user's clinic, or for a patient not their own, is
*not found* (404); a role that may know the object but not act on it gets 403. Both leave an audit event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, NoReturn, TypeVar

import sqlalchemy as sa
from flask import abort, current_app, request
from flask_login import current_user
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.interfaces import ORMOption

from clinic.audit.services import record_denial
from clinic.extensions import db
from clinic.roles import Role

F = TypeVar("F", bound=Callable)
M = TypeVar("M")


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


def scoped_get(
    model: type[M],
    object_id: Any,
    *options: ORMOption,
    where: Iterable[Any] = (),
    via: InstrumentedAttribute | tuple[InstrumentedAttribute, ...] = (),
    patient_column: InstrumentedAttribute | None = None,
    clinic_wide: bool = False,
) -> M:
    """The `model` row with `object_id` if the logged-in user may know it exists; otherwise an audited 404.

    A row is in scope when it belongs to the user's clinic (its own `clinic_id`, or the `clinic_id` of the
    row reached through the relationship `via`, e.g. `AftercareRule.procedure`) and, for a patient, when it
    is their own (`patient_column`, default `model.patient_id`; a model without one is never a patient's).
    `via` may be a chain (`RoutineStep.routine, Routine.patient`): the last row reached holds the clinic.
    `clinic_wide` rows (a consent-form text) are for everyone in the clinic, patients included.
    `where` adds conditions of the feature's own (an active consent form, a staff role); `options` are the
    loader options for what the page will touch.
    """
    query = sa.select(model).where(model.id == object_id, *where).options(*options)
    owner: Any = model
    for relationship in via if isinstance(via, tuple) else (via,):
        query = query.join(relationship)
        owner = relationship.property.mapper.class_
    query = query.where(owner.clinic_id == current_user.clinic_id)
    if current_user.role == Role.PATIENT and not clinic_wide:
        column = patient_column if patient_column is not None else getattr(model, "patient_id", None)
        query = query.where(column == current_user.patient_id) if column is not None else query.where(sa.false())
    row = db.session.scalar(query) if _is_id(object_id) else None
    if row is None:
        deny(404, detail=f"{model.__tablename__} {object_id} out of scope")
    return row


def _is_id(value: Any) -> bool:
    """Only a whole number an integer key can hold (32-bit on PostgreSQL) is looked up; others are not found."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31
