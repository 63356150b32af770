"""Errors on /api/v1 as `application/problem+json` (RFC 9457): type, title, status, detail and, for invalid
input, `errors` mapping each field to its message. Never an HTML page, never a redirect to the login page.

`clinic.errors` asks `render_problem` first for every error status; it answers for API paths only.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Response, has_request_context, json, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

API_PREFIX = "/api/v1"
MEDIA_TYPE = "application/problem+json"
#: Problem types of our own; every other problem is `about:blank` (its title is the status phrase).
TYPE_BASE = "https://clinic.invalid/problems/"

DETAILS = {
    400: "The request could not be understood (malformed JSON or a bad header).",
    401: "A valid API token is required: send `Authorization: Bearer <token>`.",
    403: "Your token or role does not allow this.",
    404: "There is nothing here, or you do not have access to it.",
    405: "This method is not available on this resource.",
    409: "Someone else changed this record meanwhile. Read it again and repeat your change.",
    412: "The record changed since you read it (If-Match does not match its current ETag).",
    413: "The request body is too large.",
    415: "Send the request body as application/json.",
    422: "The input is not valid; see `errors`.",
    428: "Send If-Match with the ETag you read, so a stale copy cannot overwrite newer data.",
    429: "Too many requests with this token. Wait a minute and try again.",
    500: "Something went wrong. The error was logged.",
}


def is_api_request() -> bool:
    return has_request_context() and (request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/"))


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: dict[str, str] | None = None,
    kind: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind if kind else "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or DETAILS.get(status, HTTPStatus(status).description),
    }
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    """webargs/marshmallow messages ({"json": {"concerns": {"0": ["Not a valid choice."]}}}) as
    {"concerns.0": "Not a valid choice."}; the location ("json", "query") is dropped."""
    if isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "_": " ".join(messages)}
        return {
            k: v for i, m in enumerate(messages) for k, v in flatten(m, f"{prefix}.{i}" if prefix else str(i)).items()
        }
    if isinstance(messages, dict):
        out: dict[str, str] = {}
        for key, value in messages.items():
            name = str(key) if prefix or key not in ("json", "query", "headers", "path", "view_args") else ""
            path = f"{prefix}.{name}" if prefix and name else (name or prefix)
            out.update(flatten(value, path))
        return out
    return {prefix or "_": str(messages)}


def render_problem(status: int, error: Exception | None) -> Response | None:
    """The problem+json answer for an API request (registered with clinic.errors), else None."""
    if status < 400 or not is_api_request():
        return None
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or (flatten(data["messages"]) if "messages" in data else None)
    headers = dict(data.get("headers") or {})
    if isinstance(error, HTTPException) and status == 405:
        headers.update({k: v for k, v in error.get_headers() if k == "Allow"})
    kind = data.get("kind")
    detail = data.get("message")
    if errors and set(errors) == {"_"}:  # a message about the whole body (malformed JSON), not a field
        detail, errors = errors["_"], None
    if isinstance(error, IntegrityError | StaleDataError):
        kind, detail = "changed-meanwhile", None
    return problem(status, detail, errors=errors, kind=kind, headers=headers)
