"""Signed unsubscribe tokens (itsdangerous): the link in every reminder e-mail."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "reminders-unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def unsubscribe_token(patient_id: int) -> str:
    return _serializer().dumps({"patient": patient_id})


def patient_from_token(token: str) -> int | None:
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    patient_id = data.get("patient") if isinstance(data, dict) else None
    return patient_id if isinstance(patient_id, int) else None
