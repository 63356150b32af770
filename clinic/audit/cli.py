"""`flask audit verify` (walk the hash chains, name the first broken link), `flask audit anchor` (export
each chain's latest hash to a file and/or an e-mail, somewhere the database owner does not control),
`flask audit archive` (move events past the retention to compressed files) and `flask audit verify-archive`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from clinic.audit.archive import ArchiveError, archive, retention_cutoff, verify_archive
from clinic.audit.chain import check_anchors, verify
from clinic.db import now_utc
from clinic.extensions import db
from clinic.mailer import build_email

audit_cli = AppGroup("audit", help="The audit trail's hash chain.")


@audit_cli.command("verify")
@click.option(
    "--anchors",
    "anchor_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file written by `flask audit anchor`: each anchored hash must still be in the chain.",
)
def verify_command(anchor_file: Path | None) -> None:
    """Exit 1 and name the first broken link of every broken chain (and every anchor that no longer
    matches); exit 0 when all chains are whole."""
    checked, breaks, heads = verify(db.session)
    problems = [str(b) for b in breaks]
    if anchor_file is not None:
        anchors = [json.loads(line) for line in anchor_file.read_text().splitlines() if line.strip()]
        problems += check_anchors(db.session, anchors)
    db.session.rollback()
    if problems:
        for problem in problems:
            click.echo(f"BROKEN {problem}", err=True)
        sys.exit(1)
    click.echo(f"audit trail intact: {checked} events in {len(heads)} chains")


@audit_cli.command("anchor")
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append one JSON line per chain to this file (keep it off the database server).",
)
@click.option("--email", "emails", multiple=True, help="Also e-mail the anchor to this address (repeatable).")
def anchor_command(out_file: Path | None, emails: tuple[str, ...]) -> None:
    """Export each chain's latest hash; run daily (cron) and keep the output where the database owner
    cannot change it. `flask audit verify --anchors FILE` later proves the chain still contains them."""
    if out_file is None and not emails:
        raise click.UsageError("give --out FILE and/or --email ADDRESS")
    checked, breaks, heads = verify(db.session)
    if breaks:
        for problem in breaks:
            click.echo(f"BROKEN {problem}", err=True)
        sys.exit(1)
    exported_at = now_utc().isoformat()
    lines = [
        json.dumps(
            {"exported_at": exported_at, "clinic_id": clinic_id, "event_id": event_id, "hash": digest}, sort_keys=True
        )
        for clinic_id, (event_id, digest) in sorted(heads.items(), key=lambda item: item[0] or 0)
    ]
    if out_file is not None:
        with out_file.open("a", encoding="utf-8") as handle:
            handle.writelines(line + "\n" for line in lines)
    for address in emails:
        build_email(
            address,
            "audit_anchor",
            f"Audit trail anchor {exported_at[:10]}",
            lines=lines,
            exported_at=exported_at,
            checked=checked,
        ).send()
    db.session.rollback()
    click.echo(f"anchored {len(lines)} chains ({checked} events)")
    current_app.logger.info("audit anchor exported: %s", "; ".join(lines))


def _archive_dir() -> Path:
    configured = current_app.config.get("AUDIT_ARCHIVE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "audit-archive"


@audit_cli.command("archive")
@click.option(
    "--to",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the archive files (default: AUDIT_ARCHIVE_DIR, else instance/audit-archive).",
)
@click.option(
    "--years",
    type=click.IntRange(min=1),
    help="Archive events older than this many years; never less than AUDIT_RETENTION_YEARS.",
)
def archive_command(directory: Path | None, years: int | None) -> None:
    """Move events older than the retention (AUDIT_RETENTION_YEARS, 6 by default) to gzip JSON-lines files,
    one per chain, then delete them from the live table in the same transaction. Run as the tables' owner
    on PostgreSQL (the app's role may not delete audit events). Exit 1 if a chain is broken."""
    retention = current_app.config["AUDIT_RETENTION_YEARS"]
    if years is not None and years < retention:
        raise click.UsageError(f"the retention is {retention} years: events younger than that stay")
    cutoff = retention_cutoff(now_utc(), years or retention)
    try:
        done = archive(db.session, cutoff, directory or _archive_dir())
    except ArchiveError as error:
        db.session.rollback()
        click.echo(f"BROKEN {error}", err=True)
        sys.exit(1)
    db.session.commit()
    for result in done:
        click.echo(f"archived {result.count} events ({result.first_event_id}-{result.last_event_id}) to {result.path}")
        click.echo(f"  sha256 {result.sha256}")
    if not done:
        click.echo(f"nothing to archive: no event before {cutoff.isoformat()}")


@audit_cli.command("verify-archive")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_archive_command(files: tuple[Path, ...]) -> None:
    """Re-walk each archive file's chain and compare it with the archive run recorded in the database."""
    problems: list[str] = []
    total = 0
    for path in files:
        count, found = verify_archive(path, db.session)
        total += count
        problems += found
    db.session.rollback()
    if problems:
        for problem in problems:
            click.echo(f"BROKEN {problem}", err=True)
        sys.exit(1)
    click.echo(f"audit archive intact: {total} events in {len(files)} files")
