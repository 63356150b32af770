"""The OpenAPI document (/api/v1/openapi.json, with a token) and a browsable page of it for staff (/api/docs,
with the usual login): a server-side list of the operations, their parameters and answers; no scripts."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

from clinic.access import role_required
from clinic.roles import STAFF

spec_bp = Blueprint("api_spec", __name__, url_prefix="/api/v1")
bp = Blueprint("api_docs", __name__)
METHODS = ("get", "post", "put", "patch", "delete")


def openapi_document() -> dict:
    return current_app.extensions["clinic-api"].spec.to_dict()


@spec_bp.get("/openapi.json")
@role_required(*STAFF)
def openapi_json():
    return jsonify(openapi_document())


def _operations(document: dict) -> list[dict]:
    """Each operation of the document, grouped by path, with what a reader needs to call it."""
    operations = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "tag": (operation.get("tags") or [""])[0],
                    "parameters": [
                        p for p in operation.get("parameters", []) + item.get("parameters", []) if "name" in p
                    ],
                    "has_body": "requestBody" in operation,
                    "responses": sorted(operation.get("responses", {})),
                }
            )
    return operations


@bp.get("/api/docs")
@role_required(*STAFF)
def docs():
    document = openapi_document()
    return render_template("api/docs.html", document=document, operations=_operations(document))
