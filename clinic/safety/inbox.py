"""The staff safety inbox: one item per reason per person, added idempotently (a re-run or a second admin's
click adds nothing)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from clinic.auth.models import User
from clinic.db import now_utc
from clinic.extensions import db
from clinic.roles import Role
from clinic.safety.models import InboxItem


def add_item(
    *, clinic_id: int, user_id: int, kind: str, title: str, dedupe_key: str, lot_id=None, signal_id=None
) -> bool:
    """Put an item in `user_id`'s inbox unless one with the same key is there; True if added."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(InboxItem)
        .values(
            clinic_id=clinic_id,
            user_id=user_id,
            kind=kind,
            title=title[:300],
            dedupe_key=dedupe_key,
            lot_id=lot_id,
            signal_id=signal_id,
            created_at=now_utc(),
        )
        .on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"])
        .returning(InboxItem.id)
    )
    return db.session.execute(stmt).scalar_one_or_none() is not None


def clinic_dermatologists(clinic_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(User.id)
            .where(User.clinic_id == clinic_id, User.role == Role.DERMATOLOGIST.value, User.active.is_(True))
            .order_by(User.id)
        )
    )


def items_for(user: User, limit: int = 100) -> list[InboxItem]:
    return list(
        db.session.scalars(
            sa.select(InboxItem)
            .where(InboxItem.clinic_id == user.clinic_id, InboxItem.user_id == user.id)
            .order_by(InboxItem.created_at.desc(), InboxItem.id.desc())
            .limit(limit)
        )
    )


def unread_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(InboxItem.id)).where(InboxItem.user_id == user.id, InboxItem.read_at.is_(None))
    )
