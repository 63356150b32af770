"""`flask reminders dispatch`: plan and send due reminders (run it every minute from cron or a timer)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from clinic.reminders.dispatcher import dispatch

reminders_cli = AppGroup("reminders", help="Reminder outbox: plan and send.")


@reminders_cli.command("dispatch")
@click.option("--worker", default=None, help="A name for this dispatcher in claimed_by (default host:pid).")
def dispatch_command(worker: str | None) -> None:
    """Plan due routine and reorder reminders, then send everything due in the outbox."""
    result = dispatch(worker=worker)
    click.echo(f"planned {result.planned}, sent {result.sent}, cancelled {result.cancelled}, failed {result.failed}")
    for error in result.errors:
        click.echo(f"  {error}", err=True)
