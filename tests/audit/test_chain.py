"""Finding 3 of issue 15: the audit table refuses TRUNCATE and INSERT-over-an-id, the app's database role
may only read and append, and the hash chain shows any edit, deletion or reordering, even by the database
owner; `flask audit verify` names the first broken link and anchors catch a rewritten chain."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

from clinic.audit.chain import link_hash, verify
from clinic.audit.models import AuditEvent, AuditEventPatient
from clinic.audit.services import record, record_each
from clinic.extensions import db
from tests.conftest import BACKEND
from tests.factories import make_clinic, make_patient

pg_only = pytest.mark.skipif(BACKEND != "postgres", reason="PostgreSQL privileges")
sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's INSERT OR REPLACE")


@pytest.fixture
def events(app) -> list[int]:
    """Six events in two clinics, written through the app (single records and a list page's one event
    naming three patients)."""
    other = make_clinic("Other")
    patients = [make_patient() for _ in range(3)]
    db.session.commit()
    record("test.one", detail="first")
    record("test.other", clinic_id=other.id)
    db.session.flush()
    record_each("patient.list", [p.id for p in patients], detail="page 1")
    record("test.two", detail="second")
    record("test.three", detail="third")
    record("test.four", detail="last")
    db.session.commit()
    ids = list(db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)))
    db.session.rollback()
    return ids


def _as_owner(*statements: str) -> None:
    """What someone who owns the database can do: switch the triggers off and change rows."""
    db.session.rollback()  # the test's own transaction must not hold locks on the table
    with db.engine.begin() as conn:
        if BACKEND == "postgres":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        else:
            for name in (
                "audit_event_no_update",
                "audit_event_no_delete",
                "audit_event_no_replace",
                "audit_event_patient_no_update",
                "audit_event_patient_no_delete",
            ):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        for statement in statements:
            conn.exec_driver_sql(statement)
    db.session.expire_all()


def _verify(app, *args: str):
    db.session.commit()
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def test_events_written_by_the_app_form_intact_chains(app, events):
    checked, breaks, heads = verify(db.session)
    assert checked == len(events) == 6 and breaks == [] and len(heads) == 2
    result = _verify(app)
    assert result.exit_code == 0 and "intact: 6 events in 2 chains" in result.output


def test_an_edited_event_is_named(app, events):
    _as_owner(f"UPDATE audit_event SET detail = 'nothing to see' WHERE id = {events[0]}")
    result = _verify(app)
    assert result.exit_code == 1
    assert f"event {events[0]} was edited" in result.output


def _list_event() -> AuditEvent:
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "patient.list")).one()


def test_the_patients_an_event_named_are_sealed_into_its_hash(app, events):
    """Removing (or swapping) a patient from a list event's names is an edit of that event."""
    event = _list_event()
    assert sorted(event.shown_patient_ids) == [] and event.patient_id is None
    named = db.session.scalars(
        sa.select(AuditEventPatient.patient_id).where(AuditEventPatient.event_id == event.id)
    ).all()
    assert len(named) == 3
    _as_owner(f"DELETE FROM audit_event_patient WHERE event_id = {event.id} AND patient_id = {named[0]}")
    result = _verify(app)
    assert result.exit_code == 1 and f"event {event.id} was edited" in result.output


def test_patient_rows_are_append_only_too(app, events):
    event = _list_event()
    for sql in (
        f"DELETE FROM audit_event_patient WHERE event_id = {event.id}",
        f"UPDATE audit_event_patient SET patient_id = patient_id WHERE event_id = {event.id}",
    ):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
            conn.exec_driver_sql(sql)


def test_a_deleted_event_is_named_by_the_one_after_it(app, events):
    chain = [
        e for e in events if db.session.get(AuditEvent, e).clinic_id == db.session.get(AuditEvent, events[0]).clinic_id
    ]
    _as_owner(f"DELETE FROM audit_event WHERE id = {chain[2]}")
    result = _verify(app)
    assert result.exit_code == 1
    assert f"event {chain[3]} does not follow event {chain[1]}" in result.output


def test_reordered_events_are_named(app, events):
    chain = [
        e for e in events if db.session.get(AuditEvent, e).clinic_id == db.session.get(AuditEvent, events[0]).clinic_id
    ]
    a, b = chain[2], chain[3]
    _as_owner(
        f"UPDATE audit_event SET id = -1 WHERE id = {a}",
        f"UPDATE audit_event SET id = {a} WHERE id = {b}",
        f"UPDATE audit_event SET id = {b} WHERE id = -1",
    )
    result = _verify(app)
    assert result.exit_code == 1 and f"event {a} does not follow" in result.output


def test_a_rewritten_chain_is_caught_by_the_anchor(app, events, tmp_path):
    anchors = tmp_path / "anchors.jsonl"
    result = app.test_cli_runner().invoke(args=["audit", "anchor", "--out", str(anchors)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in anchors.read_text().splitlines()]
    assert {line["event_id"] for line in lines} <= set(events) and len(lines) == 2
    # The owner edits an event and recomputes every later hash: the chain itself looks whole again.
    first = db.session.get(AuditEvent, events[0])
    fields = {
        name: getattr(first, name)
        for name in (
            "clinic_id",
            "occurred_at",
            "user_id",
            "user_email",
            "role",
            "patient_id",
            "action",
            "object_type",
            "object_id",
            "outcome",
            "ip",
            "detail",
        )
    }
    statements, prev = [], None
    chain = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.clinic_id == first.clinic_id).order_by(AuditEvent.id)
    ).all()
    for event in chain:
        content = (
            {**fields, "detail": "forged"} if event.id == first.id else {name: getattr(event, name) for name in fields}
        )
        content["patient_ids"] = db.session.scalars(
            sa.select(AuditEventPatient.patient_id).where(AuditEventPatient.event_id == event.id)
        ).all()
        new = link_hash(prev, content)
        detail = ", detail = 'forged'" if event.id == first.id else ""
        statements.append(
            f"UPDATE audit_event SET prev_hash = {_q(prev)}, hash = '{new}'{detail} WHERE id = {event.id}"
        )
        prev = new
    _as_owner(*statements)
    assert _verify(app).exit_code == 0  # the chain alone cannot tell ...
    result = _verify(app, "--anchors", str(anchors))
    assert result.exit_code == 1 and "chain rewritten" in result.output  # ... the anchor can


def _q(value: str | None) -> str:
    return "NULL" if value is None else f"'{value}'"


def test_anchor_by_email(app, events, mailbox):
    result = app.test_cli_runner().invoke(args=["audit", "anchor", "--email", "owner@example.com"])
    assert result.exit_code == 0, result.output
    [message] = mailbox
    assert "Audit trail anchor" in message["Subject"] and '"hash"' in message.get_body(("plain",)).get_content()


@sqlite_only
def test_insert_or_replace_over_an_existing_event_is_refused(app, events):
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
        conn.exec_driver_sql(
            f"INSERT OR REPLACE INTO audit_event (id, occurred_at, action, outcome) "
            f"VALUES ({events[0]}, CURRENT_TIMESTAMP, 'forged', 'success')"
        )
    assert db.session.get(AuditEvent, events[0]).action == "test.one"


@pg_only
@pytest.mark.parametrize("table", ["audit_event CASCADE", "audit_event_patient", "audit_archive"])
def test_truncate_is_refused(app, events, table):
    db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {table}")


@pg_only
def test_the_app_role_may_only_read_and_append(app, events):
    from clinic.audit.models import app_role_grants_sql

    role = f"clinic_app_{uuid.uuid4().hex[:8]}"
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{role}" NOLOGIN')
        for statement in app_role_grants_sql(role):
            conn.exec_driver_sql(statement)
    try:
        attempts = {
            "insert": "INSERT INTO audit_event (occurred_at, action, outcome) VALUES (now(), 'x', 'success')",
            "select": "SELECT count(*) FROM audit_event",
            "truncate": "TRUNCATE audit_event",
            "disable trigger": "ALTER TABLE audit_event DISABLE TRIGGER USER",
            "update": "UPDATE audit_event SET detail = 'x'",
            "drop": "DROP TABLE audit_event",
        }
        allowed = set()
        for name, sql in attempts.items():
            with db.engine.connect() as conn:
                transaction = conn.begin()
                try:
                    conn.exec_driver_sql(f'SET LOCAL ROLE "{role}"')
                    conn.exec_driver_sql(sql)
                    allowed.add(name)
                except sa.exc.DatabaseError:
                    pass
                finally:
                    transaction.rollback()
        assert allowed == {"insert", "select"}
    finally:
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
