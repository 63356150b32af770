"""`flask fhir export --out DIR`: the whole clinic as FHIR R4 NDJSON, one file per resource type (the FHIR Bulk
Data layout: `Patient.ndjson`, `Procedure.ndjson`, ...), streamed row by row."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from clinic.audit.services import record
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.interop.fhir.bundle import write_ndjson
from clinic.interop.fhir.record import Scope, resources

fhir_cli = AppGroup("fhir", help="FHIR R4 export.")


@fhir_cli.command("export")
@click.option(
    "--out", "folder", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write into."
)
@click.option("--clinic-id", type=int, default=None, help="Which clinic (default: the first one).")
def export_command(folder: Path, clinic_id: int | None) -> None:
    """Write every resource of the clinic as NDJSON files into FOLDER (created if missing; files replaced)."""
    query = sa.select(Clinic).order_by(Clinic.id)
    clinic = db.session.scalar(query.where(Clinic.id == clinic_id) if clinic_id else query.limit(1))
    if clinic is None:
        raise click.ClickException("no such clinic")
    counts = write_ndjson(folder, resources(Scope(clinic.id)))
    summary = ", ".join(f"{kind} {n}" for kind, n in counts.items())
    record("clinic.fhir_export", clinic_id=clinic.id, object_type="clinic", object_id=clinic.id, detail=summary)
    db.session.commit()
    for kind, n in counts.items():
        click.echo(f"{folder / (kind + '.ndjson')}: {n}")
