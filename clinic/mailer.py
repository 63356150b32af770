"""Sending e-mail: each message is a pair of templates, templates/emails/<name>.txt and .html."""

from __future__ import annotations

from flask import current_app, render_template
from flask_mailman import EmailMultiAlternatives


def build_email(
    to: str, name: str, subject: str, headers: dict[str, str] | None = None, **context
) -> EmailMultiAlternatives:
    text = render_template(f"emails/{name}.txt", **context)
    html = render_template(f"emails/{name}.html", **context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[to],
        headers=headers or {},
    )
    message.attach_alternative(html, "text/html")
    return message


def send_email(to: str, name: str, subject: str, **context) -> None:
    build_email(to, name, subject, **context).send()
