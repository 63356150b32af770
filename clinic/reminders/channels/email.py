"""E-mail: one SMTP connection per batch; a message counts as sent when the server accepts its DATA."""

from __future__ import annotations

from flask import current_app

from clinic.extensions import mail
from clinic.mailer import build_email
from clinic.reminders.models import OutboxMessage


def message_id(row: OutboxMessage) -> str:
    """Stable per row, so a receiver can drop a copy resent after a crash."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    domain = current_app.config.get("MAIL_MESSAGE_ID_DOMAIN") or sender.rpartition("@")[2] or "localhost"
    return f"<outbox-{row.id}@{domain}>"


class EmailChannel:
    def __init__(self) -> None:
        self.connection = None

    def send(self, row: OutboxMessage, rendered: dict) -> str:
        if self.connection is None:
            self.connection = mail.get_connection(fail_silently=False)
            self.connection.open()
        headers = {"Message-ID": message_id(row), **rendered.get("headers", {})}
        email = build_email(
            row.recipient, rendered["template"], rendered["subject"], headers=headers, **rendered["context"]
        )
        # The connection stays open: send_messages returns once the server has answered the DATA, and QUIT
        # is only sent when the batch closes the channel, after the row is marked sent.
        self.connection.send_messages([email])
        return headers["Message-ID"]

    def close(self) -> None:
        if self.connection is not None:
            connection, self.connection = self.connection, None
            connection.close()
