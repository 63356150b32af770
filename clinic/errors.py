"""Error pages that say what happened and leak nothing (no stack traces, no object names)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, SecurityError

from clinic.extensions import db
from clinic.i18n import N_

MESSAGES = {
    400: (
        N_("Bad request"),
        N_("The request could not be understood. If you were submitting a form, reload the page and try again."),
    ),
    403: (N_("Not allowed"), N_("Your account is not allowed to do that.")),
    404: (N_("Not found"), N_("There is nothing here, or you do not have access to it.")),
    405: (N_("Not allowed"), N_("That action is not available here.")),
    409: (N_("Changed meanwhile"), N_("Someone else changed this record. Reload it and make your change again.")),
    413: (
        N_("Too large"),
        N_(
            "What you sent is too large: a photo may be up to {photo_mb} MB, an import file up to {import_mb} MB, "
            "any other form far less."
        ),
    ),
    429: (N_("Too many attempts"), N_("Too many attempts. Please wait a minute and try again.")),
    500: (
        N_("Something went wrong"),
        N_("The error was logged. Please try again; if it keeps happening, tell the clinic's admin."),
    ),
}


#: A higher layer that answers some requests in another format (the JSON API's problem+json) plugs in here:
#: called with (status, error), it returns its own response for requests that are its own, else None.
ErrorRenderer = Callable[[int, Exception | None], Response | None]
_renderers: list[ErrorRenderer] = []


def register_renderer(renderer: ErrorRenderer) -> None:
    if renderer not in _renderers:
        _renderers.append(renderer)


def _alternative(status: int, error: Exception | None) -> Response | None:
    for renderer in _renderers:
        response = renderer(status, error)
        if response is not None:
            return response
    return None


def register(app: Flask) -> None:
    def render(status: int, error: Exception | None = None):
        if status >= 500:
            db.session.rollback()
        alternative = _alternative(status, error)
        if alternative is not None:
            return alternative
        title, message = MESSAGES[status]  # translated by the template (error.html)
        args = {}
        if status == 413:
            args = {
                "photo_mb": app.config["CLINIC_PHOTO_MAX_BYTES"] // (1024 * 1024),
                "import_mb": app.config["CLINIC_IMPORT_MAX_BYTES"] // (1024 * 1024),
            }
        page = render_template("errors/error.html", status=status, title=title, message=message, format_args=args)
        return page, status

    for status in MESSAGES:
        app.register_error_handler(status, lambda error, status=status: render(status, error))

    @app.errorhandler(HTTPException)
    def other_statuses(error):
        """Statuses without a page of their own (401, 412, 415, 422...): Werkzeug's plain answer, unless a
        renderer claims the request."""
        return _alternative(error.code or 500, error) or error

    def changed_meanwhile(error):
        """A write lost a race at the request's commit point (unique key, exclusion, version check)."""
        db.session.rollback()
        return render(409, error)

    app.register_error_handler(IntegrityError, changed_meanwhile)
    app.register_error_handler(StaleDataError, changed_meanwhile)

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        """A `Host` (or trusted X-Forwarded-Host) outside TRUSTED_HOSTS: no URL can be built, so no template
        that links anywhere; a plain answer."""
        return Response(
            "400 Bad Request: this site is not served under that host name.\n", status=400, mimetype="text/plain"
        )

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        alternative = _alternative(400, error)
        if alternative is not None:
            return alternative
        title = N_("Form expired")
        message = N_("The form's security token is missing or expired. Reload the page and submit again.")
        return render_template("errors/error.html", status=400, title=title, message=message, format_args={}), 400
