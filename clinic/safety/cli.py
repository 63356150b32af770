"""`flask safety signals`: run the signal check for every clinic now (the dispatcher runs it on its schedule too)."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from clinic.extensions import db
from clinic.safety.signals import check_all

safety_cli = AppGroup("safety", help="Adverse-event signals and lot safety.")


@safety_cli.command("signals")
def signals_command() -> None:
    """Raise an inbox alert for each new lot cluster or high product event rate (known ones are not repeated)."""
    raised = check_all(datetime.now(UTC))
    db.session.commit()
    click.echo(f"{raised} new signal(s)")
