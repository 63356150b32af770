"""The SMS provider's webhooks: request signatures, delivery status, and STOP/START replies.

Signatures follow the Twilio scheme: base64(HMAC-SHA1(auth token, full URL + each POST parameter's name
and value, sorted by name)) in the `X-Twilio-Signature` header, compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import phonenumbers
import sqlalchemy as sa
from flask import Request, current_app

from clinic.extensions import db
from clinic.reminders.models import OutboxMessage
from clinic.reminders.preferences import sms_keyword

SIGNATURE_HEADER = "X-Twilio-Signature"
STOP_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
START_WORDS = {"start", "unstop", "yes", "optin"}
FAILED = {"failed", "undelivered"}


def sign(url: str, params: dict[str, str], token: str) -> str:
    payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify_signature(request: Request) -> bool:
    token = current_app.config.get("SMS_AUTH_TOKEN")
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not token or not given:
        return False
    expected = sign(request.url, request.form.to_dict(), token)
    return hmac.compare_digest(expected, given)


def status_update(provider_id: str, status: str, error_code: str | None = None) -> int:
    """Record the provider's delivery status on the SMS row it sent (matched by its message id)."""
    if not provider_id or not status:
        return 0
    values: dict = {"delivery_status": status[:20]}
    if status in FAILED:
        values["last_error"] = f"delivery {status}" + (f" (error {error_code})" if error_code else "")
    return db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.channel == "sms", OutboxMessage.message_id == provider_id)
        .values(**values)
    ).rowcount


def inbound_sms(sender: str, body: str) -> int:
    """STOP (or START) from a number: change the SMS permission of the patients with that number."""
    word = (body or "").strip().lower().rstrip(".!")
    keyword = "stop" if word in STOP_WORDS else "start" if word in START_WORDS else None
    if keyword is None:
        return 0
    try:
        # The provider sends E.164 already; no validity check here (the number was validated at entry).
        number = phonenumbers.format_number(phonenumbers.parse(sender, None), phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return 0
    return sms_keyword(number, keyword)
