"""No code path may change or remove an audit event: the ORM refuses, and so does the database."""

import pytest
import sqlalchemy as sa

from clinic.audit.models import AuditEvent
from clinic.audit.services import record
from clinic.extensions import db


@pytest.fixture
def event(app) -> AuditEvent:
    event = record("test.event", detail="original")
    db.session.commit()
    return event


def test_orm_update_is_refused(event):
    event.detail = "rewritten"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()


def test_orm_delete_is_refused(event):
    db.session.delete(event)
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        sa.update(AuditEvent).values(detail="rewritten"),
        sa.delete(AuditEvent),
    ],
)
def test_bulk_orm_statements_are_refused_by_the_database(event, statement):
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(statement.execution_options(synchronize_session=False))
    db.session.rollback()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_event SET detail = 'rewritten'",
        "DELETE FROM audit_event",
    ],
)
def test_raw_sql_is_refused_by_the_database(event, sql):
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with db.engine.begin() as connection:
            connection.exec_driver_sql(sql)
    db.session.expire_all()
    assert db.session.scalars(sa.select(AuditEvent.detail)).all() == ["original"]


def test_inserting_more_events_still_works(event):
    record("test.event", detail="second")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 2
