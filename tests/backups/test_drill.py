"""The backup drill (issue 15): back up a clinic with photos, a signed session and an audit trail, restore
into an empty database and photo folder, then `flask audit verify` and `flask treatments verify-signatures`
pass and every photo is back, byte for byte. Runs on the current backend (SQLite or PostgreSQL)."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from clinic import create_app
from clinic.audit.models import AuditEvent
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.photos.models import Photo
from clinic.treatments.signing import sign_session
from tests.conftest import BACKEND, PG_ADMIN_URL, _pg_url, base_config
from tests.photos.test_photos import _upload, jpeg_with_gps, world  # noqa: F401 - the world fixture


@pytest.fixture
def app_config(database_url, tmp_path):
    return {**base_config(database_url), "CLINIC_PHOTO_DIR": str(tmp_path / "photos")}


@pytest.fixture
def empty_database(tmp_path):
    if BACKEND != "postgres":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"clinic_restore_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield _pg_url(name)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_backup_restores_into_an_empty_database_and_verifies(
    app,
    world,  # noqa: F811 - the imported fixture
    login_as,
    tmp_path,
    empty_database,
):
    client, _ = login_as(user=world["derm"])
    for phase in ("before", "after"):
        assert "Photo added." in _upload(client, world["draft"].id, jpeg_with_gps(), phase=phase).text
    client.get(f"/patients/{world['patient'].id}")
    draft = db.session.get(type(world["draft"]), world["draft"].id, populate_existing=True)
    sign_session(draft, world["derm"], loaded_version=draft.version)  # the signature covers the photos
    db.session.commit()
    photos_before = _digests(Path(app.config["CLINIC_PHOTO_DIR"]))
    counts_before = {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Patient, Photo, AuditEvent)
    }
    assert len(photos_before) == 2 and counts_before["AuditEvent"] > 0

    created = app.test_cli_runner().invoke(args=["backup", "create", "--out", str(tmp_path / "backups")])
    assert created.exit_code == 0, created.output
    archive = Path(created.output.strip().splitlines()[-1])
    assert archive.is_file() and archive.name.endswith(".tar.gz")

    restored_photos = tmp_path / "restored-photos"
    target = create_app({**base_config(empty_database), "CLINIC_PHOTO_DIR": str(restored_photos)})
    with target.app_context():
        runner = target.test_cli_runner()
        result = runner.invoke(args=["backup", "restore", str(archive)])
        assert result.exit_code == 0, result.output
        audit = runner.invoke(args=["audit", "verify"])
        assert audit.exit_code == 0 and "intact" in audit.output, audit.output
        signatures = runner.invoke(args=["treatments", "verify-signatures"])
        assert signatures.exit_code == 0, signatures.output
        counts_after = {
            model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Patient, Photo, AuditEvent)
        }
        stored = {p.storage_name: p.sha256 for p in db.session.scalars(sa.select(Photo))}
        again = runner.invoke(args=["backup", "restore", str(archive)])
        assert again.exit_code == 1 and "not empty" in again.output  # never over live data
        db.session.remove()
        db.engine.dispose()
    assert counts_after == counts_before
    assert _digests(restored_photos) == photos_before == stored


def test_a_damaged_archive_is_refused(app, tmp_path, empty_database):
    import tarfile

    created = app.test_cli_runner().invoke(args=["backup", "create", "--out", str(tmp_path / "b")])
    archive = Path(created.output.strip().splitlines()[-1])
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name.startswith("database"):
                data = data[:-10] + b"0" * 10
            member.size = len(data)
            import io

            dst.addfile(member, io.BytesIO(data))
    target = create_app({**base_config(empty_database), "CLINIC_PHOTO_DIR": str(tmp_path / "p2")})
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["backup", "restore", str(damaged)])
        db.engine.dispose()
    assert result.exit_code == 1 and "checksum" in result.output


def test_an_encrypted_backup_needs_its_key(app, tmp_path, empty_database, monkeypatch):
    from clinic.backups.crypto import new_key

    key = new_key()
    monkeypatch.setenv("CLINIC_BACKUP_KEY", key)
    created = app.test_cli_runner().invoke(args=["backup", "create", "--out", str(tmp_path / "b")])
    assert created.exit_code == 0, created.output
    archive = Path(created.output.strip().splitlines()[-1])
    assert archive.name.endswith(".tar.gz.enc") and b"audit_event" not in archive.read_bytes()
    target = create_app({**base_config(empty_database), "CLINIC_PHOTO_DIR": str(tmp_path / "p3")})
    with target.app_context():
        runner = target.test_cli_runner()
        monkeypatch.setenv("CLINIC_BACKUP_KEY", new_key())
        wrong = runner.invoke(args=["backup", "restore", str(archive)])
        assert wrong.exit_code == 1 and "wrong key" in wrong.output
        monkeypatch.setenv("CLINIC_BACKUP_KEY", key)
        right = runner.invoke(args=["backup", "restore", str(archive)])
        assert right.exit_code == 0, right.output
        db.session.remove()
        db.engine.dispose()
