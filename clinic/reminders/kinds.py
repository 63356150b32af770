"""The plug-in registry: what each outbox kind looks like, which topic the patient can switch off, and who plans.

`reminders` knows no feature above `patients`. A feature that sends messages registers, from its own module:

- its **topics** (`register_topic`): what a patient can switch on or off per channel ("Routine reminders"),
  with the default for each channel and the words of the unsubscribe link;
- its **kinds** (`register_kind`): template, subject, SMS text, extra context, and a last check before sending;
- its **planner** (`register_planner`): a set-based query that queues what is due at `now`.

The dispatcher renders any registered kind and fails a row with an unknown kind clearly. Messages carry no
medical details, only a count and a link. Registration happens when the feature's module is imported;
`clinic.create_app` imports them (see `register_reminder_plugins`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext

from clinic.auth.invitations import link_context, link_unwanted
from clinic.i18n import N_, format_local
from clinic.reminders.models import OutboxMessage


@dataclass(frozen=True)
class Topic:
    """Something a patient switches on or off per channel, e.g. "routine" or "appointment"."""

    name: str
    label: str
    #: The unsubscribe link's words in an e-mail of this topic.
    stop_label: str
    #: Wanted when the patient has made no choice, per channel.
    defaults: dict[str, bool] = field(default_factory=lambda: {"email": True, "sms": False})
    order: int = 50

    def default(self, channel: str) -> bool:
        return self.defaults.get(channel, False)


@dataclass(frozen=True)
class Kind:
    template: str
    subject: str | Callable[[OutboxMessage, dict], str]
    #: Extra template context from the row (may read the database).
    context: Callable[[OutboxMessage], dict] = lambda row: dict(row.payload or {})
    #: Re-checked just before sending; returning a reason string cancels the row instead.
    unwanted: Callable[[OutboxMessage, datetime], str | None] = lambda row, now: None
    #: The topic the patient can switch off (checked again at send time); None: always sent (transactional).
    topic: str | None = None
    #: SMS body from (row, context), without the "Reply STOP" footer; None: e-mail only.
    sms: Callable[[OutboxMessage, dict], str] | None = None
    #: Called once per send batch with the batch's rows of this kind, to compute what they share in bulk
    #: (memoized with reminders.batch.memoized) instead of once per message.
    prepare: Callable[[list[OutboxMessage]], None] | None = None


TOPICS: dict[str, Topic] = {}
REGISTRY: dict[str, Kind] = {}
PLANNERS: dict[str, Callable[[datetime], int]] = {}


def register_topic(topic: Topic) -> None:
    TOPICS[topic.name] = topic


def register_kind(name: str, kind: Kind) -> None:
    """Add (or replace, by name) a kind; safe to call again when the app is created again."""
    REGISTRY[name] = kind


def register_planner(name: str, planner: Callable[[datetime], int]) -> None:
    """`planner(now)` queues what is due at `now` (idempotent by dedupe key) and returns how many rows it added."""
    PLANNERS[name] = planner


def topics() -> list[Topic]:
    return sorted(TOPICS.values(), key=lambda t: (t.order, t.name))


def subject_for(kind: Kind, row: OutboxMessage, context: dict) -> str:
    """A fixed subject is marked with N_ where the kind is registered and translated here, at send time."""
    return kind.subject(row, context) if callable(kind.subject) else gettext(kind.subject)


def payload_as_p(row: OutboxMessage) -> dict:
    """Context for templates that read the payload as `p` (the scheduling e-mails)."""
    return {"p": dict(row.payload or {})}


def patient_payload_as_p(row: OutboxMessage) -> dict:
    """`payload_as_p`, with the appointment's `local_time` written again at send time in the recipient's
    language (the payload's own was written in English when the row was queued)."""
    p = dict(row.payload or {})
    if p.get("starts_at") and p.get("timezone"):
        local = datetime.fromisoformat(p["starts_at"]).astimezone(ZoneInfo(p["timezone"]))
        p["local_time"] = format_local(local, "%A %d %B %Y, %H:%M") + " " + (local.tzname() or "")
    return {"p": p}


register_topic(
    Topic(
        "aftercare",
        N_("Aftercare check-ins (day 1, 3 and 7 after a treatment)"),
        N_("Stop aftercare check-ins"),
        order=30,
    )
)
register_kind(
    "aftercare_checkin",
    Kind(
        "aftercare_checkin",
        lambda row, ctx: gettext("Day %(day)s after your treatment: how is your skin?", day=ctx.get("day")),
        topic="aftercare",
        sms=lambda row, ctx: gettext(
            "%(clinic)s: day %(day)s after your treatment. How is your skin? Call us if anything worries you.",
            clinic=ctx.get("clinic_name") or gettext("Your clinic"),
            day=ctx.get("day"),
        ),
    ),
)


# Account e-mails queued by auth through clinic.messaging (auth sits below reminders); the link's single-use
# token is issued at send time, and the row is dropped if the account no longer wants it.
register_kind(
    "password_reset",
    Kind(
        "password_reset",
        lambda row, ctx: gettext("Reset your password at %(clinic)s", clinic=ctx["clinic"].name),
        lambda row: link_context("password_reset", row.user_id),
        lambda row, now: link_unwanted("password_reset", row.user_id),
    ),
)
register_kind(
    "invitation",
    Kind(
        "invitation",
        lambda row, ctx: gettext("Your account at %(clinic)s", clinic=ctx["clinic"].name),
        lambda row: link_context("invitation", row.user_id),
        lambda row, now: link_unwanted("invitation", row.user_id),
    ),
)
