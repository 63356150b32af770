"""A signed session is read-only whatever the code path: any flush that would change it, or add, change or
remove one of its rows, is refused. Corrections go into `Amendment` rows instead."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from clinic.treatments.models import (
    InjectionSite,
    SessionAftercare,
    SessionArea,
    SessionProduct,
    TreatmentSession,
)

CHILD_TYPES = (SessionArea, InjectionSite, SessionProduct, SessionAftercare)


class SessionSigned(Exception):
    """The session is signed: it can only be amended."""

    def __init__(self, message: str = "This session is signed and read-only; record an amendment instead."):
        super().__init__(message)


def _was_signed(session_row: TreatmentSession) -> bool:
    history = sa.inspect(session_row).attrs.status.history
    old = history.deleted[0] if history.deleted else session_row.status
    return old == "signed"


def refuse_changes_to_signed(session: Session, flush_context, instances) -> None:  # noqa: ARG001
    for obj in list(session.dirty) + list(session.deleted):
        if (
            isinstance(obj, TreatmentSession)
            and _was_signed(obj)
            and (obj in session.deleted or session.is_modified(obj, include_collections=False))
        ):
            raise SessionSigned
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, CHILD_TYPES):
            parent = obj.session if obj.session is not None else session.get(TreatmentSession, obj.session_id)
            if parent is not None and _was_signed(parent):
                raise SessionSigned


sa.event.listen(Session, "before_flush", refuse_changes_to_signed)
