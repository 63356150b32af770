"""Admin pages for scheduling resources: rooms, appointment types, working hours and time off."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record
from clinic.catalog.models import Procedure
from clinic.catalog.services import prep_settings
from clinic.clinics.services import clinic_zone
from clinic.extensions import db
from clinic.roles import Role
from clinic.scheduling import access, resources
from clinic.scheduling.errors import SchedulingError
from clinic.scheduling.forms import (
    AppointmentTypeForm,
    ClinicSchedulingForm,
    RoomCapabilitiesForm,
    RoomForm,
    TimeOffForm,
    TypeCapabilityForm,
    WorkingHoursForm,
    to_utc,
)
from clinic.scheduling.models import CAPABILITIES, WEEKDAYS, Room, TimeOff, WorkingHours

bp = Blueprint("scheduling_admin", __name__, url_prefix="/admin/schedule")


def _forms(room_form=None, type_form=None, off_form=None):
    type_form = type_form or AppointmentTypeForm()
    type_form.procedure_id.choices = [
        (p.id, p.name)
        for p in db.session.scalars(
            sa.select(Procedure)
            .where(Procedure.clinic_id == current_user.clinic_id, Procedure.active.is_(True))
            .order_by(Procedure.name)
        )
    ]
    off_form = off_form or TimeOffForm()
    off_form.provider_id.choices = [(0, "Whole clinic")] + [(p.id, p.full_name) for p in access.clinic_providers()]
    return room_form or RoomForm(), type_form, off_form


def _overview(room_form=None, type_form=None, off_form=None, settings_form=None, status: int = 200):
    clinic_id = current_user.clinic_id
    rooms = db.session.scalars(sa.select(Room).where(Room.clinic_id == clinic_id).order_by(Room.name)).all()
    time_off = db.session.scalars(
        sa.select(TimeOff)
        .where(TimeOff.clinic_id == clinic_id, TimeOff.ends_at >= datetime.now(UTC))
        .order_by(TimeOff.starts_at)
    ).all()
    room_form, type_form, off_form = _forms(room_form, type_form, off_form)
    types = access.clinic_types(active_only=False)
    return render_template(
        "scheduling/admin.html",
        rooms=rooms,
        room_forms={
            r.id: RoomCapabilitiesForm(prefix=f"room{r.id}", formdata=None, capabilities=r.capabilities) for r in rooms
        },
        types=types,
        capabilities=CAPABILITIES,
        type_forms={
            t.id: TypeCapabilityForm(
                prefix=f"type{t.id}", formdata=None, required_capability=t.required_capability or ""
            )
            for t in types
        },
        providers=access.clinic_providers(),
        time_off=time_off,
        room_form=room_form,
        type_form=type_form,
        off_form=off_form,
        settings_form=settings_form or _settings_form(),
    ), status


def _settings_form() -> ClinicSchedulingForm:
    prep = prep_settings(current_user.clinic_id)
    form = ClinicSchedulingForm(obj=current_user.clinic)
    form.prep_pause_days.data, form.prep_pause_tags.data = prep.pause_days, prep.pause_tags
    form.prep_recent_laser_days.data, form.prep_antiviral_days.data = prep.recent_laser_days, prep.antiviral_days
    return form


@bp.get("")
@role_required(Role.ADMIN)
def overview():
    return _overview()


def _attempt(action, success: str, **forms):
    try:
        action()
        flash(success, "success")
        return redirect(url_for("scheduling_admin.overview"))
    except (SchedulingError, ValueError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return _overview(**forms, status=422)


@bp.post("/settings")
@role_required(Role.ADMIN)
def settings():
    """The clinic's online-change cutoff, fixed-day protocol tolerance and before-a-procedure defaults."""
    form = ClinicSchedulingForm()
    if not form.validate_on_submit():
        return _overview(settings_form=form, status=422)
    clinic = current_user.clinic
    clinic.booking_cutoff_hours = form.booking_cutoff_hours.data
    clinic.series_tolerance_days = form.series_tolerance_days.data
    prep = prep_settings(clinic.id, for_update=True)
    for name in ("pause_days", "recent_laser_days", "antiviral_days"):
        if form[f"prep_{name}"].data is not None:  # left out: kept as it was
            setattr(prep, name, form[f"prep_{name}"].data)
    if form.prep_pause_tags.data is not None:
        prep.pause_tags = " ".join(form.prep_pause_tags.data.replace(",", " ").lower().split())
    record(
        "schedule.settings",
        object_type="clinic",
        object_id=clinic.id,
        detail=f"cutoff={clinic.booking_cutoff_hours}h tolerance={clinic.series_tolerance_days}d "
        f"prep={prep.pause_days}d [{prep.pause_tags}] laser={prep.recent_laser_days}d "
        f"antiviral={prep.antiviral_days}d",
    )
    flash("Scheduling settings saved.", "success")
    return redirect(url_for("scheduling_admin.overview"))


@bp.post("/rooms")
@role_required(Role.ADMIN)
def add_room():
    form = RoomForm()
    if not form.validate_on_submit():
        return _overview(room_form=form, status=422)
    return _attempt(
        lambda: resources.add_room(current_user.clinic_id, form.name.data, form.capabilities.data),
        "Room added.",
        room_form=form,
    )


@bp.post("/rooms/<int:room_id>/capabilities")
@role_required(Role.ADMIN)
def room_capabilities(room_id: int):
    room = access.get_clinic_row(Room, room_id)
    form = RoomCapabilitiesForm(prefix=f"room{room.id}")
    if not form.validate_on_submit():
        flash("Choose the room's equipment from the list.", "error")
        return _overview(status=422)
    return _attempt(
        lambda: resources.set_room_capabilities(room, form.capabilities.data), f"{room.name}: equipment saved."
    )


@bp.post("/types/<int:type_id>/capability")
@role_required(Role.ADMIN)
def type_capability(type_id: int):
    kind = access.get_appointment_type(type_id)
    form = TypeCapabilityForm(prefix=f"type{kind.id}")
    if not form.validate_on_submit():
        flash("Choose what room the appointment type needs from the list.", "error")
        return _overview(status=422)
    return _attempt(
        lambda: resources.set_type_capability(kind, form.required_capability.data), f"{kind.name}: room saved."
    )


@bp.post("/rooms/<int:room_id>/toggle")
@role_required(Role.ADMIN)
def toggle_room(room_id: int):
    room = access.get_clinic_row(Room, room_id)
    room.active = not room.active
    record("schedule.room_toggle", object_type="room", object_id=room.id, detail=f"active={room.active}")
    return redirect(url_for("scheduling_admin.overview"))


@bp.post("/types")
@role_required(Role.ADMIN)
def add_type():
    _, form, _ = _forms(type_form=AppointmentTypeForm())
    if not form.validate_on_submit():
        return _overview(type_form=form, status=422)
    return _attempt(
        lambda: resources.add_appointment_type(
            current_user.clinic_id,
            procedure_id=form.procedure_id.data,
            name=form.name.data,
            duration_minutes=form.duration_minutes.data,
            buffer_minutes=form.buffer_minutes.data,
            performer_role=form.performer_role.data,
            required_capability=form.required_capability.data or None,
        ),
        "Appointment type added.",
        type_form=form,
    )


@bp.post("/types/<int:type_id>/toggle")
@role_required(Role.ADMIN)
def toggle_type(type_id: int):
    kind = access.get_appointment_type(type_id)
    kind.active = not kind.active
    record(
        "schedule.type_toggle",
        object_type="appointment_type",
        object_id=kind.id,
        detail=f"active={kind.active}",
    )
    return redirect(url_for("scheduling_admin.overview"))


@bp.post("/time-off")
@role_required(Role.ADMIN)
def add_time_off():
    _, _, form = _forms(off_form=TimeOffForm())
    if not form.validate_on_submit():
        return _overview(off_form=form, status=422)
    provider = access.get_provider(form.provider_id.data) if form.provider_id.data else None
    zone = clinic_zone()
    return _attempt(
        lambda: resources.add_time_off(
            current_user.clinic_id,
            provider,
            to_utc(form.starts_at.data, zone),
            to_utc(form.ends_at.data, zone),
            form.reason.data,
        ),
        "Time off added.",
        off_form=form,
    )


@bp.post("/time-off/<int:off_id>/delete")
@role_required(Role.ADMIN)
def delete_time_off(off_id: int):
    off = access.get_clinic_row(TimeOff, off_id)
    record("schedule.time_off_delete", object_type="time_off", object_id=off.id, detail=off.reason)
    db.session.delete(off)
    flash("Time off removed.", "success")
    return redirect(url_for("scheduling_admin.overview"))


def _hours_page(provider, form=None, status: int = 200):
    hours = db.session.scalars(
        sa.select(WorkingHours)
        .where(WorkingHours.provider_id == provider.id)
        .order_by(WorkingHours.weekday, WorkingHours.starts)
    ).all()
    return render_template(
        "scheduling/admin_hours.html",
        provider=provider,
        hours=hours,
        weekdays=WEEKDAYS,
        form=form or WorkingHoursForm(),
    ), status


@bp.get("/providers/<int:provider_id>/hours")
@role_required(Role.ADMIN)
def hours(provider_id: int):
    return _hours_page(access.get_provider(provider_id))


@bp.post("/providers/<int:provider_id>/hours")
@role_required(Role.ADMIN)
def add_hours(provider_id: int):
    provider = access.get_provider(provider_id)
    form = WorkingHoursForm()
    if form.validate_on_submit():
        try:
            resources.add_working_hours(provider, form.weekday.data, form.starts.data, form.ends.data)
            flash("Working hours added.", "success")
            return redirect(url_for("scheduling_admin.hours", provider_id=provider.id))
        except SchedulingError as error:
            db.session.rollback()
            form.ends.errors.append(str(error))
    return _hours_page(provider, form, 422)


@bp.post("/hours/<int:hours_id>/delete")
@role_required(Role.ADMIN)
def delete_hours(hours_id: int):
    row = access.get_clinic_row(WorkingHours, hours_id)
    provider_id = row.provider_id
    record(
        "schedule.hours_delete",
        object_type="user",
        object_id=provider_id,
        detail=f"{row.weekday} {row.starts}",
    )
    db.session.delete(row)
    return redirect(url_for("scheduling_admin.hours", provider_id=provider_id))
