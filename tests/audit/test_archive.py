"""Issue 10: `flask audit archive` moves events past the retention (6 years by default) to a gzip JSON-lines
file, verifiably; the live chain still verifies from the archive's anchor, and the database still refuses
every other deletion."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from clinic.audit.models import AuditArchive, AuditEvent, AuditEventPatient
from clinic.audit.services import record, record_each
from clinic.extensions import db
from tests.factories import make_patient

LONG_AGO = datetime(2019, 3, 1, 9, tzinfo=UTC)
NOW = datetime(2026, 12, 8, 9, tzinfo=UTC)


@pytest.fixture
def history(app) -> dict:
    """Three events seven years old (one naming two patients), then two recent ones."""
    patients = [make_patient() for _ in range(2)]
    db.session.commit()
    with time_machine.travel(LONG_AGO, tick=False):
        record("test.old", detail="first")
        record_each("patient.list", [p.id for p in patients], detail="old list")
        record("test.old", detail="third")
        db.session.commit()
    with time_machine.travel(NOW, tick=False):
        record("test.new", detail="recent")
        record_each("patient.list", [patients[0].id], detail="new list")
        db.session.commit()
    return {"patients": patients}


def _cli(app, *args: str):
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        return app.test_cli_runner().invoke(args=["audit", *args])


def _live_actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent.detail).order_by(AuditEvent.id)))


def test_archive_moves_old_events_to_a_verifiable_file(app, history, tmp_path):
    anchors = tmp_path / "anchors.jsonl"
    assert _cli(app, "anchor", "--out", str(anchors)).exit_code == 0  # taken before archiving
    result = _cli(app, "archive", "--to", str(tmp_path / "archive"))
    assert result.exit_code == 0, result.output
    assert "archived 3 events" in result.output
    assert _live_actions() == ["recent", "new list"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEventPatient)) == 1
    [run] = db.session.scalars(sa.select(AuditArchive)).all()
    path = tmp_path / "archive" / run.file_name
    with gzip.open(path, "rt") as handle:
        header, *lines = [json.loads(line) for line in handle]
    assert header["format"] == "clinic-audit-archive/1" and header["starts_after"] is None
    assert [line["detail"] for line in lines] == ["first", "old list", "third"]
    assert lines[1]["patient_ids"] == sorted(p.id for p in history["patients"])
    assert lines[-1]["hash"] == run.last_hash and run.event_count == 3
    verified = _cli(app, "verify")
    assert verified.exit_code == 0 and "intact: 2 events" in verified.output
    assert _cli(app, "verify", "--anchors", str(anchors)).exit_code == 0  # archived anchors are not "missing"
    checked = _cli(app, "verify-archive", str(path))
    assert checked.exit_code == 0 and "intact: 3 events in 1 files" in checked.output


def test_nothing_within_the_retention_is_archived(app, history, tmp_path):
    assert _cli(app, "archive", "--to", str(tmp_path), "--years", "3").exit_code != 0  # below the retention
    app.config["AUDIT_RETENTION_YEARS"] = 10
    result = _cli(app, "archive", "--to", str(tmp_path))
    assert result.exit_code == 0 and "nothing to archive" in result.output
    assert len(_live_actions()) == 5


def test_an_edited_archive_file_is_caught(app, history, tmp_path):
    _cli(app, "archive", "--to", str(tmp_path))
    [path] = tmp_path.glob("audit-*.jsonl.gz")
    with gzip.open(path, "rt") as handle:
        lines = handle.read().splitlines()
    lines[1] = lines[1].replace('"first"', '"nothing to see"')
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join(lines) + "\n")
    result = _cli(app, "verify-archive", str(path))
    assert result.exit_code == 1 and "does not match its chain" in result.output


def test_the_chain_goes_on_after_everything_was_archived(app, tmp_path):
    with time_machine.travel(LONG_AGO, tick=False):
        record("test.old", detail="only")
        db.session.commit()
    assert _cli(app, "archive", "--to", str(tmp_path)).exit_code == 0
    assert _live_actions() == []
    with time_machine.travel(NOW, tick=False):
        record("test.new", detail="after")
        db.session.commit()
    [run] = db.session.scalars(sa.select(AuditArchive)).all()
    [event] = db.session.scalars(sa.select(AuditEvent)).all()
    assert event.prev_hash == run.last_hash
    assert _cli(app, "verify").exit_code == 0


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM audit_event",
        "DELETE FROM audit_event_patient",
        "DELETE FROM audit_archive",
        "UPDATE audit_archive SET last_event_id = last_event_id + 100",
    ],
)
def test_only_the_archive_may_delete(app, history, tmp_path, sql):
    _cli(app, "archive", "--to", str(tmp_path))
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as connection:
        connection.exec_driver_sql(sql)
    assert _live_actions() == ["recent", "new list"]


def test_a_broken_chain_is_not_archived(app, history, tmp_path):
    db.session.rollback()
    with db.engine.begin() as connection:  # as the owner: triggers off for one edit
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        else:
            connection.exec_driver_sql("DROP TRIGGER audit_event_no_update")
        connection.exec_driver_sql("UPDATE audit_event SET detail = 'forged' WHERE detail = 'third'")
    result = _cli(app, "archive", "--to", str(tmp_path))
    assert result.exit_code == 1 and "breaks the chain" in result.output
    assert len(_live_actions()) == 5 and not list(tmp_path.glob("audit-*"))
