"""`flask import patients FILE.csv` and `flask import appointments FILE.csv`: the same import as the admin page,
from a shell. `--dry-run` reports and writes nothing; `--skip-bad-rows` writes the good rows of a file with
refused ones. Exit status: 0 when the file was written (or a dry run found nothing refused), 1 otherwise."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.interop.imports.appointments import import_appointments
from clinic.interop.imports.patients import import_patients
from clinic.interop.imports.reading import ImportFileError
from clinic.interop.imports.report import REFUSED, ImportReport

import_cli = AppGroup("import", help="Import patients or future appointments from another system's CSV export.")
MAX_REFUSED_SHOWN = 200


def _clinic(wanted: str | None) -> Clinic:
    clinics = list(db.session.scalars(sa.select(Clinic).order_by(Clinic.id)))
    if wanted is None:
        if len(clinics) != 1:
            raise click.UsageError("Name the clinic with --clinic <id or name> (there are several or none).")
        return clinics[0]
    for clinic in clinics:
        if str(clinic.id) == wanted or clinic.name == wanted:
            return clinic
    raise click.BadParameter(f"no clinic {wanted!r}", param_hint="--clinic")


def _print(report: ImportReport) -> None:
    refused = [row for row in report.rows if row.outcome == REFUSED]
    for row in refused[:MAX_REFUSED_SHOWN]:
        click.echo(f"line {row.line}: refused {row.label}: {' '.join(row.reasons)}")
    if len(refused) > MAX_REFUSED_SHOWN:
        click.echo(f"... and {len(refused) - MAX_REFUSED_SHOWN} more refused rows")
    click.echo(report.summary())


def _run(importer, path: Path, clinic: str | None, dry_run: bool, skip_bad_rows: bool) -> None:
    target = _clinic(clinic)
    try:
        report = importer(path.read_bytes(), target, dry_run=dry_run, skip_bad_rows=skip_bad_rows, source=path.name)
    except ImportFileError as error:
        db.session.rollback()
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()  # the command is the transaction's boundary, like a request
    _print(report)
    if report.refused and not (report.written and report.skip_bad_rows):
        sys.exit(1)


def _options(command):
    command = click.option("--skip-bad-rows", is_flag=True, help="Write the good rows even if some are refused.")(
        command
    )
    command = click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")(command)
    command = click.option("--clinic", default=None, help="The clinic's id or name (needed if there are several).")(
        command
    )
    return click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))(command)


@import_cli.command("patients")
@_options
def patients_command(path: Path, clinic: str | None, dry_run: bool, skip_bad_rows: bool) -> None:
    """Create or update patients from FILE (matched on external_id); see README "Import from another system"."""
    _run(import_patients, path, clinic, dry_run, skip_bad_rows)


@import_cli.command("appointments")
@_options
def appointments_command(path: Path, clinic: str | None, dry_run: bool, skip_bad_rows: bool) -> None:
    """Book future appointments from FILE through the booking rules; clashes are reported, not written."""
    _run(import_appointments, path, clinic, dry_run, skip_bad_rows)
