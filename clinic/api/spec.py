"""flask-smorest wired for the clinic: OpenAPI 3.1, problem+json error responses, bearer-token security.

The document is generated from the blueprints and marshmallow schemas; nothing in it is written by hand.
Error handling stays with `clinic.errors` (which asks `api.problems` for API paths), so smorest's own
JSON error handler is not installed.
"""

from __future__ import annotations

import http
from collections.abc import Callable

import marshmallow as ma
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response

from clinic.api.problems import MEDIA_TYPE
from clinic.api.schemas import DecimalString

#: Statuses every API operation can answer: no or a bad token, a role or scope that may not, the rate limit.
COMMON_ERRORS = (401, 403, 429)
#: And operations that take a JSON body.
BODY_ERRORS = (400, 413, 415, 422)

SETTINGS = {
    "API_TITLE": "Clinic API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": None,  # served by api.docs_views (behind a token, like every /api/v1 route)
    "API_SPEC_OPTIONS": {
        "info": {
            "description": "Patients, appointments, treatment sessions, scores, routines, products and the "
            "follow-up queue of one clinic. Authenticate with a personal API token (Settings → API tokens): "
            "`Authorization: Bearer clinic_pat_…`. Errors are application/problem+json.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
    },
}


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details (documentation only: `api.problems` writes the body)."""

    type = ma.fields.String(required=True, metadata={"description": "A URI naming the problem; about:blank"})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    errors = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.String(), metadata={"description": "Field → what is wrong"}
    )


class ClinicApi(Api):
    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # every operation lists the statuses it can answer

    def _register_error_handlers(self) -> None:
        """clinic.errors renders every error; api.problems makes it problem+json on /api/v1."""

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)


def make_api(app) -> ClinicApi:
    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    api = ClinicApi(app)
    api.register_field(DecimalString, "string", "decimal")
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "A personal API token (clinic_pat_…)"}
    )
    return api


def documents(blp: Blueprint, *statuses: int) -> Callable:
    """Decorator: list the error statuses an operation can answer (problem+json) in its OpenAPI entry."""

    def decorator(view: Callable) -> Callable:
        for status in sorted({*COMMON_ERRORS, *statuses}):
            view = blp.alt_response(status, response=http.HTTPStatus(status).name)(view)
        return view

    return decorator
