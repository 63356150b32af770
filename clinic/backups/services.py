"""A backup is one compressed archive: the database, the photo folder and a manifest of SHA-256 checksums.

- SQLite is copied with its online backup API (a consistent copy while the app keeps running);
  PostgreSQL with `pg_dump --format=custom` (one consistent snapshot), which must be on the PATH.
- The manifest lists every file with its checksum, the database kind and the migration revision; restore
  refuses an archive whose files do not match it.
- With a key (`CLINIC_BACKUP_KEY`, made by `flask backup new-key`, kept off the server) the archive is
  encrypted (`crypto.py`); restore decrypts it with the same key.
- Restore goes into an empty database and an empty photo folder only, never over live data. Afterwards
  `flask audit verify` and `flask treatments verify-signatures` prove the copy is whole.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from clinic.backups.crypto import DecryptionError, decrypt_file, encrypt_file, is_encrypted
from clinic.db import now_utc
from clinic.extensions import db
from clinic.photos.storage import photo_dir

FORMAT = 1
MANIFEST = "manifest.json"
DB_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(RuntimeError):
    """A backup cannot be made or restored; the message says why."""


@dataclass(frozen=True)
class Restored:
    dialect: str
    photos: int
    revision: str | None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq_url(url: sa.URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed; install the PostgreSQL client tools")
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:500]}")


def _revision() -> str | None:
    with db.engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def _dump_database(target: Path) -> str:
    url, dialect = db.engine.url, db.engine.dialect.name
    if dialect == "sqlite":
        source = sqlite3.connect(url.database)
        copy = sqlite3.connect(target / DB_FILES["sqlite"])
        try:
            source.backup(copy)  # the online backup API: consistent even while others write
        finally:
            copy.close()
            source.close()
    elif dialect == "postgresql":
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={target / DB_FILES['postgresql']}",
                f"--dbname={_libpq_url(url)}",
            ]
        )
    else:
        raise BackupError(f"no backup method for {dialect}")
    return dialect


def create_backup(out_dir: Path, key: str | None = None) -> Path:
    """Write `clinic-backup-<UTC time>.tar.gz` (`.tar.gz.enc` with a key) into `out_dir`; return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = now_utc().strftime("%Y%m%dT%H%M%SZ")
    archive = out_dir / f"clinic-backup-{stamp}.tar.gz{'.enc' if key else ''}"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        dialect = _dump_database(work)
        photos_src, photos_dst = photo_dir(), work / "photos"
        photos_dst.mkdir()
        for photo in sorted(photos_src.iterdir()):
            if photo.is_file():
                shutil.copy2(photo, photos_dst / photo.name)
        files = {str(p.relative_to(work)): _sha256(p) for p in sorted(work.rglob("*")) if p.is_file()}
        manifest = {
            "format": FORMAT,
            "created_at": now_utc().isoformat(),
            "dialect": dialect,
            "revision": _revision(),
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        plain = Path(tmp) / "archive.tar.gz" if key else archive.with_suffix(".partial")
        with tarfile.open(plain, "w:gz") as tar:
            tar.add(work / MANIFEST, arcname=MANIFEST)
            for name in files:
                tar.add(work / name, arcname=name)
        if key:
            partial = archive.with_suffix(".partial")
            encrypt_file(plain, partial, key)
            plain = partial
        plain.rename(archive)
    return archive


def _extract_and_check(archive: Path, into: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(into, filter="data")  # refuses absolute paths, .. and links outside
    manifest_path = into / MANIFEST
    if not manifest_path.is_file():
        raise BackupError("the archive has no manifest")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    present = {str(p.relative_to(into)) for p in into.rglob("*") if p.is_file()} - {MANIFEST}
    if present != set(manifest["files"]):
        raise BackupError("the archive's files differ from its manifest (missing or extra files)")
    for name, digest in manifest["files"].items():
        if _sha256(into / name) != digest:
            raise BackupError(f"{name} does not match its checksum: the archive is damaged")
    return manifest


def restore_backup(archive: Path, key: str | None = None) -> Restored:
    """Restore `archive` into the configured, empty database and empty photo folder."""
    dialect = db.engine.dialect.name
    with db.engine.connect() as connection:
        if sa.inspect(connection).get_table_names():
            raise BackupError("the database is not empty: restore only into a new, empty database")
    photos_dst = photo_dir()
    if any(photos_dst.iterdir()):
        raise BackupError(f"the photo folder {photos_dst} is not empty")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "files"
        work.mkdir()
        if is_encrypted(archive):
            plain = Path(tmp) / "archive.tar.gz"
            try:
                decrypt_file(archive, plain, key)
            except DecryptionError as error:
                raise BackupError(str(error)) from None
            archive = plain
        manifest = _extract_and_check(archive, work)
        if manifest["dialect"] != dialect:
            raise BackupError(f"this backup is of a {manifest['dialect']} database, not {dialect}")
        db.session.remove()
        db.engine.dispose()
        if dialect == "sqlite":
            source = sqlite3.connect(work / DB_FILES["sqlite"])
            target = sqlite3.connect(db.engine.url.database)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            _run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    f"--dbname={_libpq_url(db.engine.url)}",
                    str(work / DB_FILES["postgresql"]),
                ]
            )
        photos = sorted((work / "photos").iterdir()) if (work / "photos").is_dir() else []
        for photo in photos:
            shutil.copy2(photo, photos_dst / photo.name)
    return Restored(dialect, len(photos), manifest.get("revision"))
