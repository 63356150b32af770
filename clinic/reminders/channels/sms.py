"""SMS: compose a one-segment GSM-7 text, and send it through a provider adapter.

Adapters:
- `TwilioAdapter`: a Twilio-compatible REST API (`POST {base}/2010-04-01/Accounts/{sid}/Messages.json`,
  HTTP basic auth), through one `requests` session per batch with timeouts and urllib3 retries with
  exponential backoff on 429 and 5xx (honouring Retry-After), never on other 4xx. Each request carries an
  `Idempotency-Key` of the outbox row, so a provider that honours it keeps a retried request once.
- `ConsoleAdapter`: development; appends each message to a file (or prints it).
Chosen by `SMS_BACKEND` ("twilio", "console"); see README for the environment variables.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Protocol

import requests
from flask import current_app
from flask_babel import gettext
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from clinic.i18n import N_
from clinic.reminders.models import OutboxMessage
from clinic.urls import external_url

#: The opt-out footer, in the recipient's language; the keyword stays STOP (the provider and the webhook read it).
STOP_FOOTER = N_("Reply STOP to opt out.")
SEGMENT = 160
MULTIPART_SEGMENT = 153

#: GSM 03.38 basic character set (one septet each) and its extension table (two septets: escape + char).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")
#: Common characters outside GSM-7 and their plain replacements (so a text never falls back to UCS-2).
TRANSLITERATE = {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "\u00a0": " "}
# Spanish acute vowels outside GSM-7 lose the accent, as carriers' "smart encoding" does (é, ñ, ü, ¿, ¡ are in it).
TRANSLITERATE.update(zip("áíóúÁÍÓÚ", "aiouAIOU", strict=True))


class SmsError(RuntimeError):
    pass


def to_gsm7(text: str) -> str:
    text = "".join(TRANSLITERATE.get(ch, ch) for ch in text)
    return "".join(ch if ch in GSM7_BASIC or ch in GSM7_EXTENDED else "?" for ch in text)


def septets(text: str) -> int:
    return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)


def split_gsm7(text: str) -> list[str]:
    """The parts a GSM-7 text is sent as: one part up to 160 septets, else 153-septet parts (the other 7 hold
    the concatenation header), never splitting an extension character from its escape."""
    if septets(text) <= SEGMENT:
        return [text]
    parts, current, size = [], "", 0
    for ch in text:
        width = 2 if ch in GSM7_EXTENDED else 1
        if size + width > MULTIPART_SEGMENT:
            parts.append(current)
            current, size = "", 0
        current += ch
        size += width
    parts.append(current)
    return parts


def compose(body: str) -> str:
    """`body` + the STOP footer in at most one 160-septet GSM-7 segment (a long body is shortened)."""
    body, footer = to_gsm7(" ".join(body.split())), " " + to_gsm7(gettext(STOP_FOOTER))
    room = SEGMENT - septets(footer)
    if septets(body) > room:
        while septets(body) > room - 3:
            body = body[:-1]
        body = body.rstrip() + "..."
    return body + footer


class SmsAdapter(Protocol):
    def send(self, to: str, body: str, idempotency_key: str) -> str: ...

    def close(self) -> None: ...


@dataclass
class TwilioAdapter:
    base_url: str
    account_sid: str
    auth_token: str
    sender: str
    status_callback: str | None = None
    timeout: tuple[float, float] = (3.05, 10.0)
    retries: int = 4
    backoff_factor: float = 0.5

    def __post_init__(self) -> None:
        retry = Retry(
            total=self.retries,
            connect=self.retries,
            read=0,
            status=self.retries,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"POST"}),
            backoff_factor=self.backoff_factor,
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        self.session = requests.Session()
        self.session.auth = (self.account_sid, self.auth_token)
        self.session.mount(self.base_url, HTTPAdapter(max_retries=retry))

    def send(self, to: str, body: str, idempotency_key: str) -> str:
        data = {"To": to, "From": self.sender, "Body": body}
        if self.status_callback:
            data["StatusCallback"] = self.status_callback
        url = f"{self.base_url.rstrip('/')}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        response = self.session.post(url, data=data, timeout=self.timeout, headers={"Idempotency-Key": idempotency_key})
        if response.status_code >= 400:
            raise SmsError(f"SMS provider answered {response.status_code}: {response.text[:200]}")
        return response.json()["sid"]

    def close(self) -> None:
        self.session.close()


@dataclass
class ConsoleAdapter:
    path: str | None = None

    def send(self, to: str, body: str, idempotency_key: str) -> str:
        line = json.dumps({"to": to, "body": body, "key": idempotency_key})
        if self.path:
            with open(self.path, "a", encoding="utf-8") as out:
                out.write(line + "\n")
        else:
            print(f"SMS {line}", file=sys.stdout)
        return f"console-{idempotency_key}"

    def close(self) -> None:
        pass


def adapter_from_config(status_callback: str | None = None) -> SmsAdapter:
    config = current_app.config
    if config.get("SMS_BACKEND") == "twilio":
        return TwilioAdapter(
            config["SMS_API_BASE_URL"],
            config["SMS_ACCOUNT_SID"],
            config["SMS_AUTH_TOKEN"],
            config["SMS_FROM"],
            status_callback,
            timeout=(3.05, float(config.get("SMS_TIMEOUT", 10))),
            backoff_factor=float(config.get("SMS_BACKOFF", 0.5)),
        )
    return ConsoleAdapter(config.get("SMS_CONSOLE_FILE"))


class SmsChannel:
    def __init__(self, adapter: SmsAdapter) -> None:
        self.adapter = adapter

    @classmethod
    def from_config(cls) -> SmsChannel:
        return cls(adapter_from_config(external_url("reminders.sms_status")))

    def send(self, row: OutboxMessage, rendered: dict) -> str:
        if not rendered.get("sms"):
            raise SmsError(f"kind {row.kind!r} has no SMS text")
        return self.adapter.send(row.recipient, compose(rendered["sms"]), f"outbox-{row.id}")

    def close(self) -> None:
        self.adapter.close()
