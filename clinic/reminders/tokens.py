"""Signed unsubscribe tokens (itsdangerous): the link in every reminder e-mail, naming what it stops.

Tokens are timestamped and expire after `MAX_AGE` (a year: longer than any reminder e-mail is worth
keeping), and the payload must name a patient by a positive integer (`True` is not a patient id) and a
topic by a string.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "reminders-unsubscribe"
MAX_AGE = timedelta(days=365)
#: Links in e-mails sent before topics existed stopped routine reminders; they still do.
LEGACY_TOPIC = "routine"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def unsubscribe_token(patient_id: int, topic: str = LEGACY_TOPIC) -> str:
    return _serializer().dumps({"patient": patient_id, "topic": topic})


def read_token(token: str) -> tuple[int, str] | None:
    """(patient id, topic) from a token, or None if it is not one of ours, has expired or is malformed."""
    try:
        data = _serializer().loads(token, max_age=int(MAX_AGE.total_seconds()))
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict):
        return None
    patient_id, topic = data.get("patient"), data.get("topic", LEGACY_TOPIC)
    if type(patient_id) is not int or patient_id <= 0 or not isinstance(topic, str):
        return None
    return patient_id, topic


def patient_from_token(token: str) -> int | None:
    found = read_token(token)
    return found[0] if found else None
