"""`flask audit verify` (walk the hash chains, name the first broken link) and `flask audit anchor` (export
each chain's latest hash to a file and/or an e-mail, somewhere the database owner does not control)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

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
