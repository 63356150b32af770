"""Signed unsubscribe tokens (itsdangerous): the link in every reminder e-mail.

Tokens are timestamped and expire after `MAX_AGE` (a year: longer than any reminder e-mail is worth
keeping), and the payload must name a patient by a positive integer (`True` is not a patient id).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "reminders-unsubscribe"
MAX_AGE = timedelta(days=365)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def unsubscribe_token(patient_id: int) -> str:
    return _serializer().dumps({"patient": patient_id})


def patient_from_token(token: str) -> int | None:
    try:
        data = _serializer().loads(token, max_age=int(MAX_AGE.total_seconds()))
    except BadSignature:  # also SignatureExpired
        return None
    patient_id = data.get("patient") if isinstance(data, dict) else None
    return patient_id if type(patient_id) is int and patient_id > 0 else None
