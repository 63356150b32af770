"""Admin list pages run a fixed number of queries however many rows they show."""

from collections.abc import Callable
from contextlib import contextmanager

import sqlalchemy as sa

from clinic.audit.models import AuditEvent, AuditEventPatient
from clinic.audit.services import record
from clinic.extensions import db
from clinic.pagination import LOOKAHEAD_PAGES
from tests.factories import make_patient, make_user


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


def _statements_for(client, path: str) -> list[str]:
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return statements


def _audit_rows() -> tuple[int, int]:
    db.session.commit()
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    named = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEventPatient))
    return events, named


def test_patient_list_costs_the_same_at_any_size_and_writes_one_audit_event(app, login_as):
    """Issue 10: a bounded count, the login session in one query, one audit event naming the page's
    patients (SQLite: 8 statements, BEGIN IMMEDIATE included; PostgreSQL 8, the advisory lock included)."""
    app.config["PATIENTS_PER_PAGE"] = 5
    client, _ = login_as("aesthetician")
    _grow(make_patient, 12)
    client.get("/patients")
    before = _audit_rows()
    few = _statements_for(client, "/patients")
    assert _audit_rows() == (before[0] + 1, before[1] + 5)
    _grow(make_patient, 80)
    many = _statements_for(client, "/patients?page=2")
    assert len(few) == len(many) == 8, many
    assert sum("login_session" in s for s in many) == 1  # user and clinic joined into the session's query


def test_patient_list_count_is_bounded(app, login_as):
    app.config["PATIENTS_PER_PAGE"] = 2
    client, _ = login_as("aesthetician")
    _grow(make_patient, 2 * (LOOKAHEAD_PAGES + 3))
    page = client.get("/patients").text
    assert f"More than {2 * (LOOKAHEAD_PAGES + 1)} patients" in page
    last = client.get(f"/patients?page={LOOKAHEAD_PAGES + 3}").text
    assert f"{2 * (LOOKAHEAD_PAGES + 3)} patients" in last and "More than" not in last


def test_follow_up_queue_evaluates_its_union_once(app, login_as):
    client, _ = login_as("aesthetician")
    statements = _statements_for(client, "/schedule/followups")
    assert sum("UNION" in s.upper() for s in statements) == 1
