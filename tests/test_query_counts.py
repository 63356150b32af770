"""Admin list pages run a fixed number of queries however many rows they show."""

from collections.abc import Callable
from contextlib import contextmanager

import sqlalchemy as sa

from clinic.audit.services import record
from clinic.extensions import db
from tests.factories import make_user


@contextmanager
def count_queries():
    statements: list[str] = []

    def before(conn, cursor, statement, *args):  # noqa: ARG001 - SQLAlchemy event signature
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


def _queries_for(client, path: str) -> int:
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def _grow(add: Callable[[], object], n: int) -> None:
    for _ in range(n):
        add()
    db.session.commit()


def test_users_list_query_count_does_not_grow(app, login_as):
    client, admin = login_as("admin")
    _grow(lambda: make_user("aesthetician"), 2)
    _grow(lambda: make_user("patient"), 1)  # listed patients are audited by name (one INSERT for all)
    few = _queries_for(client, "/admin/users")
    _grow(lambda: make_user("patient"), 15)
    assert _queries_for(client, "/admin/users") == few


def test_audit_log_query_count_does_not_grow(app, login_as):
    client, admin = login_as("admin")
    _grow(lambda: record("test.event", user=admin), 3)
    few = _queries_for(client, "/admin/audit")
    _grow(lambda: record("test.event", user=admin), 40)
    assert _queries_for(client, "/admin/audit") == few
