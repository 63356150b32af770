"""Signed unsubscribe tokens (itsdangerous): the link in every reminder e-mail, naming what it stops."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "reminders-unsubscribe"
#: Links in e-mails sent before topics existed stopped routine reminders; they still do.
LEGACY_TOPIC = "routine"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def unsubscribe_token(patient_id: int, topic: str = LEGACY_TOPIC) -> str:
    return _serializer().dumps({"patient": patient_id, "topic": topic})


def read_token(token: str) -> tuple[int, str] | None:
    """(patient id, topic) from a token, or None if it is not one of ours."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    patient_id, topic = data.get("patient"), data.get("topic", LEGACY_TOPIC)
    if not isinstance(patient_id, int) or not isinstance(topic, str):
        return None
    return patient_id, topic


def patient_from_token(token: str) -> int | None:
    found = read_token(token)
    return found[0] if found else None
