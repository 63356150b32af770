"""The patient's appointments in the portal: upcoming and past, book the next series session, move or
cancel up to the clinic's cutoff, reminder opt-in and the calendar feed. Everything is the patient's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from clinic.access import deny, role_required
from clinic.audit.services import record
from clinic.clinics.services import clinic_today, clinic_zone, viewer_zone
from clinic.extensions import db
from clinic.patients.access import get_patient
from clinic.portal.views.blueprint import bp
from clinic.reminders.preferences import get_preferences, set_wanted
from clinic.roles import Role
from clinic.scheduling import access, feeds, portal_booking
from clinic.scheduling.availability import MAX_SEARCH_DAYS, find_free_slots
from clinic.scheduling.booking import change_status
from clinic.scheduling.errors import SchedulingError
from clinic.scheduling.forms import CancelForm, PreferenceForm
from clinic.scheduling.patient_schedule import patient_schedule
from clinic.scheduling.series_rules import session_window
from clinic.urls import external_url


def _now() -> datetime:
    return datetime.now(UTC)


def _changeable(appointment) -> bool:
    return portal_booking.changeable(appointment, current_user.clinic, _now())


@bp.get("/appointments")
@role_required(Role.PATIENT)
def appointments():
    patient = get_patient(current_user.patient_id)
    schedule = patient_schedule(patient)
    wanted = get_preferences(patient).wants("email", "appointment")
    record(
        "appointment.list",
        patient_id=patient.id,
        object_type="patient",
        object_id=patient.id,
        detail="portal",
    )
    return render_template(
        "portal/appointments.html",
        patient=patient,
        schedule=schedule,
        changeable=_changeable,
        cutoff_hours=current_user.clinic.booking_cutoff_hours,
        preference_form=PreferenceForm(email_reminders=wanted),
        feed=feeds.active_feed(current_user.clinic_id, patient_id=patient.id),
    )


def _slots_in(kind, earliest, latest):
    """The times offered; `portal_booking` re-checks the same rules when one is submitted."""
    first = portal_booking.first_bookable(current_user.clinic, _now())
    earliest = max(earliest, first.astimezone(clinic_zone()).date())
    latest = min(latest, earliest + timedelta(days=MAX_SEARCH_DAYS))
    if latest < earliest:
        return earliest, latest, {}
    found = find_free_slots(current_user.clinic, kind, earliest, latest, now=first, patient_id=current_user.patient_id)
    return earliest, latest, found


def _slot_page(heading: str, found, action: str, **extra):
    """The slot picker: the days with free times, then the chosen day's times (`?day=`, no JavaScript)."""
    providers = sorted((p for p, slots in found.items() if slots), key=lambda p: (p.full_name, p.id))
    provider = next((p for p in providers if p.id == request.args.get("provider", type=int)), None)
    days = portal_booking.offered_days(found, viewer_zone(), provider.id if provider else None)
    return render_template(
        "portal/appointment_slots.html",
        heading=heading,
        days=days,
        providers=providers,
        provider=provider,
        chosen=portal_booking.chosen_day(days, request.args.get("day")),
        action=action,
        zone=viewer_zone(),
        **extra,
    )


def _parse_choice():
    """The slot the patient clicked: a UTC start and a provider, both checked again by the booking service."""
    try:
        starts_at = datetime.fromisoformat(request.form.get("starts_at", ""))
    except ValueError:
        return None, None
    if starts_at.tzinfo is None:
        return None, None
    return starts_at, access.get_provider(request.form.get("provider_id", type=int))


@bp.route("/appointments/series/<int:series_id>/book", methods=["GET", "POST"])
@role_required(Role.PATIENT)
def book_next(series_id: int):
    series = access.get_series(series_id)
    patient = get_patient(current_user.patient_id)
    earliest, latest = session_window(series, current_user.clinic, clinic_today())
    if request.method == "POST":
        starts_at, provider = _parse_choice()
        try:
            booked = portal_booking.book_next_session(
                series,
                clinic=current_user.clinic,
                patient=patient,
                starts_at=starts_at,
                provider=provider,
                today=clinic_today(),
                by=current_user,
                now=_now(),
            )
            flash(_("Your session is booked. A confirmation is on its way."), "success")
            for warning in booked.prep_warnings:
                flash(warning, "warning")
            return redirect(url_for("portal.appointments"))
        except SchedulingError as error:
            db.session.rollback()
            flash(str(error), "error")
            series = access.get_series(series_id)
    found = _slots_in(series.appointment_type, earliest, latest)[2]
    return _slot_page(
        _("Book your next session of %(protocol)s", protocol=series.protocol.name),
        found,
        url_for("portal.book_next", series_id=series.id),
    )


@bp.route("/appointments/<int:appointment_id>/move", methods=["GET", "POST"])
@role_required(Role.PATIENT)
def move_appointment(appointment_id: int):
    appointment = access.get_appointment(appointment_id)
    if not _changeable(appointment):
        flash(
            _(
                "Appointments can be changed online until %(hours)s hours before. Please call the clinic.",
                hours=current_user.clinic.booking_cutoff_hours,
            ),
            "error",
        )
        return redirect(url_for("portal.appointments"))
    earliest, latest = portal_booking.move_window(appointment, current_user.clinic, clinic_today())
    if request.method == "POST":
        starts_at, provider = _parse_choice()
        try:
            portal_booking.move_appointment(
                appointment,
                clinic=current_user.clinic,
                starts_at=starts_at,
                provider=provider,
                today=clinic_today(),
                by=current_user,
                now=_now(),
            )
            flash(_("Your appointment has been moved."), "success")
            for warning in appointment.prep_warnings:
                flash(warning, "warning")
            return redirect(url_for("portal.appointments"))
        except SchedulingError as error:
            db.session.rollback()
            flash(str(error), "error")
            appointment = access.get_appointment(appointment_id)
    found = _slots_in(appointment.appointment_type, earliest, latest)[2]
    return _slot_page(
        _("Move your appointment"),
        found,
        url_for("portal.move_appointment", appointment_id=appointment.id),
        appointment=appointment,
    )


@bp.post("/appointments/<int:appointment_id>/cancel")
@role_required(Role.PATIENT)
def cancel_appointment(appointment_id: int):
    appointment = access.get_appointment(appointment_id)
    form = CancelForm()
    if not _changeable(appointment):
        flash(
            _(
                "Appointments can be cancelled online until %(hours)s hours before. Please call the clinic.",
                hours=current_user.clinic.booking_cutoff_hours,
            ),
            "error",
        )
    elif not form.validate_on_submit():
        flash(_("Please give a reason for cancelling."), "error")
    else:
        change_status(
            appointment,
            "cancelled",
            clinic=current_user.clinic,
            by=current_user,
            reason=form.reason.data,
            via="portal",
        )
        flash(_("Your appointment is cancelled."), "success")
    return redirect(url_for("portal.appointments"))


@bp.get("/appointments/<int:appointment_id>.ics")
@role_required(Role.PATIENT)
def appointment_ics(appointment_id: int):
    response = feeds.appointment_download(access.get_appointment(appointment_id), current_user.clinic, where="portal")
    return response


@bp.post("/appointments/preferences")
@role_required(Role.PATIENT)
def appointment_preferences():
    patient = get_patient(current_user.patient_id)
    form = PreferenceForm()
    if not form.validate_on_submit():
        deny(400, detail="preference form invalid", patient_id=patient.id)
    # The same switch as "Appointment reminders by e-mail" on the reminder settings page.
    set_wanted(patient.id, "email", "appointment", form.email_reminders.data)
    record(
        "appointment.preferences",
        patient_id=patient.id,
        object_type="patient",
        object_id=patient.id,
        detail=f"email_reminders={form.email_reminders.data}",
    )
    flash(_("Reminder settings saved."), "success")
    return redirect(url_for("portal.appointments"))


@bp.post("/appointments/feed")
@role_required(Role.PATIENT)
def create_feed():
    patient = get_patient(current_user.patient_id)
    token = feeds.create_feed(current_user.clinic_id, patient_id=patient.id)
    record("calendar.feed_create", patient_id=patient.id, object_type="patient", object_id=patient.id)
    return render_template(
        "scheduling/feed_created.html",
        owner=patient.full_name,
        url=external_url("calendar_feeds.feed", token=token),
        back=url_for("portal.appointments"),
    )


@bp.post("/appointments/feed/revoke")
@role_required(Role.PATIENT)
def revoke_feed():
    patient = get_patient(current_user.patient_id)
    feeds.revoke_feeds(current_user.clinic_id, patient_id=patient.id)
    record("calendar.feed_revoke", patient_id=patient.id, object_type="patient", object_id=patient.id)
    flash(_("Your calendar feed address no longer works."), "success")
    return redirect(url_for("portal.appointments"))
