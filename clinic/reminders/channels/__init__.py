"""Delivery channels: each turns a rendered outbox row into one delivery and reports the provider's id.

A channel is opened once per send batch (one SMTP connection, one HTTP session) and closed at its end.
`send` returns only once the provider has accepted the message (the SMTP server answered the DATA, the SMS
API answered 2xx), so the dispatcher can mark the row sent before anything else can go wrong.
"""

from __future__ import annotations

import contextlib
from typing import Protocol

from clinic.reminders.channels.email import EmailChannel
from clinic.reminders.channels.sms import SmsChannel
from clinic.reminders.models import OutboxMessage


class Channel(Protocol):
    def send(self, row: OutboxMessage, rendered: dict) -> str | None: ...

    def close(self) -> None: ...


class Channels:
    """The channels a batch uses, opened on first use and all closed at the end of the batch."""

    def __init__(self) -> None:
        self._open: dict[str, Channel] = {}

    def get(self, name: str) -> Channel:
        if name not in self._open:
            if name == "email":
                self._open[name] = EmailChannel()
            elif name == "sms":
                self._open[name] = SmsChannel.from_config()
            else:
                raise LookupError(f"unknown channel {name!r}")
        return self._open[name]

    def reset(self, name: str) -> None:
        """Drop a channel after a failure (a broken SMTP connection); the next message opens a new one."""
        channel = self._open.pop(name, None)
        if channel is not None:
            with contextlib.suppress(Exception):  # a broken connection may fail to close; it is dropped anyway
                channel.close()

    def close(self) -> None:
        for name in list(self._open):
            self.reset(name)

    def __enter__(self) -> Channels:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
