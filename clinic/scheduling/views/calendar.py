"""Staff calendars: the day and week views and the free-slot search."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import render_template, request
from flask_login import current_user

from clinic.access import role_required
from clinic.clinics.services import clinic_zone
from clinic.limits import parse_day
from clinic.patients.access import get_patient
from clinic.roles import CLINICAL_STAFF
from clinic.scheduling import access, calendar, grid
from clinic.scheduling.audit import record_viewed
from clinic.scheduling.availability import find_free_slots
from clinic.scheduling.forms import (
    LOCAL_FORMAT,
    SlotSearchForm,
)
from clinic.scheduling.views.blueprint import bp


def _day_arg() -> date:
    try:
        return parse_day(request.args.get("day"))
    except ValueError:
        return datetime.now(UTC).astimezone(clinic_zone()).date()


def _provider_arg():
    provider_id = request.args.get("provider", type=int)
    return access.get_provider(provider_id) if provider_id else None


def _calendar(days: int, template: str):
    first = _day_arg() if days == 1 else calendar.week_start(_day_arg())
    provider = _provider_arg()
    by_room = days == 1 and request.args.get("by") == "room"
    last = first + timedelta(days=days - 1)
    appointments = calendar.appointments_between(current_user.clinic_id, first, last, provider.id if provider else None)
    record_viewed("schedule.view", {a.patient_id for a in appointments}, f"{template} {first.isoformat()}")
    providers = access.clinic_providers()
    zone, now = clinic_zone(), datetime.now(UTC)
    today = now.astimezone(zone).date()
    sources = grid.load_sources(current_user.clinic_id, appointments, first, last, zone)
    if days == 1:
        rooms = access.clinic_rooms() if by_room else None
        shown = [provider] if provider else calendar.with_extra_providers(appointments, providers)
        the_grid = grid.day_grid(sources, first, zone, today, shown, rooms)
    else:
        the_grid = grid.week_grid(sources, first, zone, today, providers, provider)
    return render_template(
        f"scheduling/{template}.html",
        first=first,
        provider=provider,
        by_room=by_room,
        appointment_count=len(appointments),
        grid=the_grid,
        now_row=grid.now_row(the_grid, now),
        now_minute=int(grid.local_minutes(now, today, zone)),
        providers=providers,
        timedelta=timedelta,
    )


@bp.get("/week")
@role_required(*CLINICAL_STAFF)
def week():
    return _calendar(7, "week")


@bp.get("/day")
@role_required(*CLINICAL_STAFF)
def day():
    return _calendar(1, "day")


@bp.get("/slots")
@role_required(*CLINICAL_STAFF)
def slots():
    form = SlotSearchForm(request.args)
    form.type.choices = [(t.id, t.name) for t in access.clinic_types()]
    form.provider.choices = [(0, "Any provider")] + [(p.id, p.full_name) for p in access.clinic_providers()]
    results, patient_id = None, request.args.get("patient", type=int)
    series_id = request.args.get("series", type=int)
    if request.args.get("type") and form.validate():
        kind = access.get_appointment_type(form.type.data)
        results = find_free_slots(
            current_user.clinic,
            kind,
            form.start.data,
            form.end.data,
            provider_ids=[form.provider.data] if form.provider.data else None,
            patient_id=get_patient(patient_id).id if patient_id else None,
        )
    return render_template(
        "scheduling/slots.html",
        form=form,
        results=results,
        patient_id=patient_id,
        series_id=series_id,
        local_format=LOCAL_FORMAT,
    )
