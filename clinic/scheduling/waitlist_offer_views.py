"""The link in a waitlist offer e-mail: a confirmation page (GET, books nothing), then "Book this time" (POST).

Public: the signed, single-use, expiring token is the authority (see `scheduling.offer_tokens`).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, render_template
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField

from clinic.access import public
from clinic.audit.services import record
from clinic.extensions import db
from clinic.i18n import format_local, reader_language
from clinic.scheduling import offer_tokens, waitlist_offers
from clinic.scheduling.errors import SchedulingError

bp = Blueprint("waitlist_offer", __name__, url_prefix="/waitlist/offer")


class AcceptOfferForm(FlaskForm):
    submit = SubmitField(_l("Book this time"))


def _page(status: int, language: str | None = None, **context):
    """The page in the offered patient's language once the token names them (else the browser's)."""
    if language is None:
        return render_template("scheduling/waitlist_offer.html", **context), status
    with force_locale(language):
        stamps = {
            f"{name}_text": format_local(context[name], fmt) + " " + (context[name].tzname() or "")
            for name, fmt in (("local", "%A %d %B %Y, %H:%M"), ("expires", "%a %d %b %Y, %H:%M"))
            if context.get(name) is not None
        }
        return render_template("scheduling/waitlist_offer.html", **context, **stamps), status


@bp.route("/<token>", methods=["GET", "POST"])
@public
def offer(token: str):
    try:
        found = offer_tokens.load_offer(token)
    except offer_tokens.OfferInvalid as error:
        return _page(410, problem=str(error))
    entry = found.entry
    zone = ZoneInfo(entry.patient.timezone)
    language = reader_language(entry.patient)
    local = found.starts_at.astimezone(zone)
    form = AcceptOfferForm()
    if form.validate_on_submit():
        entry_id, patient_id = entry.id, entry.patient_id
        try:
            appointment = waitlist_offers.accept(found)
        except SchedulingError:
            db.session.rollback()
            waitlist_offers.withdraw(entry_id)
            record("waitlist.offer_gone", patient_id=patient_id, object_type="waitlist_entry", object_id=entry_id)
            with force_locale(language):
                problem = gettext("Sorry, this time has just been taken. You are still on the waitlist.")
            return _page(409, language, problem=problem)
        record(
            "waitlist.offer_accept",
            patient_id=patient_id,
            object_type="appointment",
            object_id=appointment.id,
            detail=f"waitlist entry {entry_id} via e-mail link",
        )
        return _page(200, language, booked=True, local=local, clinic=found.clinic)
    record("waitlist.offer_view", patient_id=entry.patient_id, object_type="waitlist_entry", object_id=entry.id)
    return _page(
        200 if not form.errors else 400,
        language,
        form=form,
        local=local,
        clinic=found.clinic,
        first_name=entry.patient.first_name,
        expires=offer_tokens.expires_at(token).astimezone(zone),
    )
