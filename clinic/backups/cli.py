"""`flask backup create --out DIR` and `flask backup restore ARCHIVE`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from clinic.backups.crypto import new_key
from clinic.backups.services import BackupError, create_backup, restore_backup

backup_cli = AppGroup("backup", help="Backups of the database and the photo folder.")


@backup_cli.command("create")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the archive (copy it off this machine afterwards).",
)
def create_command(out_dir: Path) -> None:
    """Write a consistent, compressed backup with a manifest of checksums (encrypted when
    CLINIC_BACKUP_KEY is set)."""
    try:
        archive = create_backup(out_dir, key=os.environ.get("CLINIC_BACKUP_KEY") or None)
    except BackupError as error:
        click.echo(f"backup failed: {error}", err=True)
        sys.exit(1)
    click.echo(str(archive))


@backup_cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(archive: Path) -> None:
    """Restore into the configured EMPTY database and photo folder; then run `flask audit verify` and
    `flask treatments verify-signatures`."""
    try:
        restored = restore_backup(archive, key=os.environ.get("CLINIC_BACKUP_KEY") or None)
    except BackupError as error:
        click.echo(f"restore refused: {error}", err=True)
        sys.exit(1)
    click.echo(
        f"restored a {restored.dialect} database (revision {restored.revision}) and "
        f"{restored.photos} photos; now run `flask audit verify` and `flask treatments verify-signatures`"
    )


@backup_cli.command("new-key")
def new_key_command() -> None:
    """Print a new encryption key for CLINIC_BACKUP_KEY (keep a copy away from the server and backups)."""
    click.echo(new_key())
