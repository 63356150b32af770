"""Command-line tasks: `flask --app clinic <command>`."""

from __future__ import annotations

import sys
from zoneinfo import available_timezones

import click
from flask import Flask

from clinic.audit.cli import audit_cli
from clinic.auth.services import AccountError
from clinic.auth.services import create_user as make_user
from clinic.backups.cli import backup_cli
from clinic.clinics.models import Clinic
from clinic.clinics.services import default_clinic
from clinic.demo import DEMO_PASSWORD, seed
from clinic.extensions import db
from clinic.interop.fhir.cli import fhir_cli
from clinic.interop.imports.cli import import_cli
from clinic.reminders.cli import reminders_cli
from clinic.safety.cli import safety_cli


def register(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(fhir_cli)
    app.cli.add_command(safety_cli)


@click.command("create-user")
@click.option("--role", type=click.Choice(["admin", "dermatologist", "aesthetician"]), required=True)
@click.option("--email", prompt=True)
@click.option("--name", "full_name", prompt="Full name")
@click.option("--clinic-name", default=None, help="Creates the clinic if there is none yet.")
@click.option("--timezone", default="America/New_York", show_default=True)
@click.password_option()
def create_user(role: str, email: str, full_name: str, clinic_name: str | None, timezone: str, password: str):
    """Create a staff account (the first admin of a new install comes from here)."""
    if timezone not in available_timezones():
        raise click.BadParameter(f"unknown time zone {timezone!r}", param_hint="--timezone")
    clinic = default_clinic()
    if clinic is None:
        clinic = Clinic(name=clinic_name or "Clinic", timezone=timezone)
        db.session.add(clinic)
        db.session.flush()
    try:
        user = make_user(clinic_id=clinic.id, email=email, full_name=full_name, role=role, password=password)
    except AccountError as error:
        db.session.rollback()
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Created {role} {user.email} in clinic {clinic.name!r}.")


@click.command("seed-demo")
def seed_demo():
    """Fill an empty database with the demo clinic (idempotent) and print the demo logins."""
    logins = seed()
    db.session.commit()
    click.echo("")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD})")
    for role, email in logins:
        click.echo(f"  {role:<14} {email}")
    click.echo('Dermatologists and admins set up two-factor login at their first login (README, "Two-factor login").')
    click.echo("")


def main() -> None:
    """`clinic` console entry: the flask CLI bound to this app."""
    from flask.cli import FlaskGroup

    from clinic import create_app  # here, not at the top: clinic/__init__.py imports this module

    FlaskGroup(create_app=create_app)(prog_name="clinic")
