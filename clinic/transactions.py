"""One commit point per request.

Views and services add and flush; the request commits once, after the view has returned its response,
and rolls back when the view raises (Flask-SQLAlchemy removes the session at the end of the app context,
which discards anything uncommitted). So a page that fails half-way saves nothing, and no view calls
`commit()`.

Committing happens inside `dispatch_request`, so an IntegrityError or StaleDataError raised by the commit
goes through the app's error handlers like any other error and becomes the "changed meanwhile" page (409)
in one place (`clinic.errors`).

Two writers keep their own, documented transactions: the audit of a refused request
(`audit.services.record_denial`, which must survive the failing request) and the reminders dispatcher
(claim, send, mark, each its own short transaction so a crash loses nothing).
"""

from __future__ import annotations

from flask import Flask
from flask.typing import ResponseReturnValue

from clinic.extensions import db


class ClinicFlask(Flask):
    """Flask with the request's unit of work committed after the view returns."""

    def dispatch_request(self) -> ResponseReturnValue:
        response = super().dispatch_request()
        commit_request()
        return response


def commit_request() -> None:
    """Commit the request's work, if it opened a transaction at all (static pages and redirects may not)."""
    session = db.session()
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        session.commit()
