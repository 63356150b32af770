"""Jinja filters and globals: times shown in the viewer's zone, role-aware navigation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location, get_timezone_name
from flask import Flask, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user

from clinic.clinics.services import viewer_zone
from clinic.i18n import format_local
from clinic.money import format_money
from clinic.roles import CLINICAL_STAFF, Role


def localtime(value: datetime | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    if value is None:
        return ""
    local = value.astimezone(viewer_zone())
    return format_local(local, fmt) + (" " + local.tzname() if "%Z" not in fmt and fmt.endswith("%M") else "")


def localdate(value: date | datetime | None, fmt: str = "%d %b %Y") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(viewer_zone())
    return format_local(value, fmt)


def measure(value) -> str:
    """A measured Decimal as recorded: 0.135 stays 0.135, 1.500 shows as 1.5."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


def zone_name(zone: ZoneInfo | str) -> str:
    """A time zone as people say it, from CLDR: "Eastern Time (New York)", not "America/New_York"."""
    key = zone if isinstance(zone, str) else zone.key
    if key in ("UTC", "Etc/UTC"):
        return gettext("Coordinated Universal Time")
    locale = get_locale() or "en"
    return f"{get_timezone_name(key, locale=locale)} ({get_timezone_location(key, locale=locale, return_city=True)})"


def nav_items() -> list[tuple[str, str, str]]:
    """(endpoint, label, url) for the logged-in user's role."""
    if not current_user.is_authenticated:
        return []
    items: list[tuple[str, str]] = []
    if current_user.role in CLINICAL_STAFF:
        items += [
            ("patients.list_patients", "Patients"),
            ("scheduling.week", "Schedule"),
            ("followups.queue", "Follow-ups"),
            ("routines.clinic_adherence", "Adherence"),
            ("treatments.adverse_events", "Adverse events"),
        ]
    if current_user.role == Role.DERMATOLOGIST:
        items += [("routines.inbox", "Problem reports"), ("safety.inbox", "Safety inbox")]
    if current_user.role in (Role.DERMATOLOGIST, Role.ADMIN):
        items += [("outcomes.report", "Outcomes")]
    if current_user.role == Role.ADMIN:
        items += [
            ("users.list_users", "Users"),
            ("audit.list_events", "Audit log"),
            ("catalog.index", "Catalog"),
            ("scheduling_admin.overview", "Scheduling"),
            ("imports.upload", "Import"),
        ]
    if current_user.role == Role.PATIENT:
        items += [
            ("portal.today", gettext("Today")),
            ("portal.history", gettext("History")),
            ("portal.aftercare", gettext("Aftercare")),
            ("portal.appointments", gettext("My appointments")),
            ("portal.reminder_settings", gettext("Reminders")),
            ("portal.report_problem", gettext("Report a problem")),
            ("portal.problem_list", gettext("Messages")),
            ("portal.consents", gettext("Consents")),
            ("portal.progress", gettext("My progress")),
            ("portal.home", gettext("My data")),
            ("portal.access_log", gettext("Who viewed my record")),
        ]
    return [(endpoint, label, url_for(endpoint)) for endpoint, label in items]


def register(app: Flask) -> None:
    app.add_template_filter(localtime)
    app.add_template_filter(localdate)
    app.add_template_filter(format_money, "money")
    app.add_template_filter(measure)
    app.add_template_filter(zone_name)
    app.add_template_global(nav_items)
    app.add_template_global(Role)
