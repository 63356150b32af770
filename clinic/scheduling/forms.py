"""Scheduling forms. Date-times are typed in the clinic's local time and converted with zoneinfo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from clinic.catalog.forms import MultiCheckboxField
from clinic.scheduling.booking import MAX_DAYS_AHEAD
from clinic.scheduling.contacts import OUTCOMES as CONTACT_OUTCOMES
from clinic.scheduling.models import CAPABILITIES, PERFORMER_ROLES, WEEKDAYS

ROOM_CHOICES = [("", "Any room")] + list(CAPABILITIES.items())

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def within_booking_horizon(form, field) -> None:
    """A date from yesterday (any zone's today) up to two years ahead; older or later is a typo."""
    today = datetime.now(UTC).date()
    if field.data and not today - timedelta(days=1) <= field.data <= today + timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationError("Choose a date between today and two years ahead.")


def to_utc(value: datetime, zone: ZoneInfo) -> datetime:
    """A naive local date-time from a form as UTC; refuses a time that does not exist (DST gap)."""
    aware = value.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != value:
        raise ValidationError("That time does not exist in the clinic's time zone (clocks change).")
    return aware.astimezone(UTC)


class BookingForm(FlaskForm):
    patient_id = HiddenField(validators=[DataRequired()])
    series_id = HiddenField()
    appointment_type_id = SelectField("Treatment", coerce=int, validators=[InputRequired()])
    provider_id = SelectField("Provider", coerce=int, validators=[InputRequired()])
    starts_at = DateTimeLocalField("Start (clinic time)", format=LOCAL_FORMAT, validators=[DataRequired()])
    submit = SubmitField("Book appointment")


class RescheduleForm(FlaskForm):
    provider_id = SelectField("Provider", coerce=int, validators=[InputRequired()])
    starts_at = DateTimeLocalField("New start (clinic time)", format=LOCAL_FORMAT, validators=[DataRequired()])
    submit = SubmitField("Move appointment")


class CancelForm(FlaskForm):
    reason = StringField("Reason for cancelling", validators=[DataRequired(), Length(max=300)])
    submit = SubmitField("Cancel appointment")


class SlotSearchForm(FlaskForm):
    class Meta:
        csrf = False

    type = SelectField("Treatment", coerce=int, validators=[InputRequired()])
    start = DateField("From", validators=[DataRequired(), within_booking_horizon])
    end = DateField("To", validators=[DataRequired()])
    provider = SelectField("Provider", coerce=int, validators=[Optional()])
    submit = SubmitField("Find free slots")

    def validate_end(self, field) -> None:
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError("The end date is before the start date.")
        if self.start.data and field.data and (field.data - self.start.data).days > 31:
            raise ValidationError("Search at most 31 days at a time.")


class RoomForm(FlaskForm):
    name = StringField("Room name", validators=[DataRequired(), Length(max=60)])
    capabilities = MultiCheckboxField("Equipped for", choices=list(CAPABILITIES.items()))
    submit = SubmitField("Add room")


class RoomCapabilitiesForm(FlaskForm):
    """One room's equipment; rendered once per room with the prefix `room<id>-` so ids stay unique."""

    capabilities = MultiCheckboxField("Equipped for", choices=list(CAPABILITIES.items()))
    submit = SubmitField("Save equipment")


class TypeCapabilityForm(FlaskForm):
    """What room one appointment type needs; prefix `type<id>-`."""

    required_capability = SelectField("Needs a room for", choices=ROOM_CHOICES, default="")
    submit = SubmitField("Save")


class AppointmentTypeForm(FlaskForm):
    procedure_id = SelectField("Procedure", coerce=int, validators=[InputRequired()])
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    duration_minutes = IntegerField("Duration (minutes)", validators=[InputRequired(), NumberRange(min=5, max=480)])
    buffer_minutes = IntegerField(
        "Buffer after (minutes)", default=15, validators=[InputRequired(), NumberRange(min=0, max=120)]
    )
    performer_role = SelectField("Performed by", choices=list(PERFORMER_ROLES.items()))
    required_capability = SelectField("Needs a room for", choices=ROOM_CHOICES, default="")
    submit = SubmitField("Add appointment type")


class WorkingHoursForm(FlaskForm):
    weekday = SelectField("Weekday", coerce=int, choices=list(enumerate(WEEKDAYS)))
    starts = TimeField("From", validators=[DataRequired()])
    ends = TimeField("To", validators=[DataRequired()])
    submit = SubmitField("Add working hours")

    def validate_ends(self, field) -> None:
        if self.starts.data and field.data and field.data <= self.starts.data:
            raise ValidationError("The end is not after the start.")


class TimeOffForm(FlaskForm):
    provider_id = SelectField("Who", coerce=int, description="“Whole clinic” makes a clinic holiday.")
    starts_at = DateTimeLocalField("From (clinic time)", format=LOCAL_FORMAT, validators=[DataRequired()])
    ends_at = DateTimeLocalField("To (clinic time)", format=LOCAL_FORMAT, validators=[DataRequired()])
    reason = StringField("Reason", validators=[DataRequired(), Length(max=120)])
    submit = SubmitField("Add time off")

    def validate_ends_at(self, field) -> None:
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError("The end is not after the start.")


class PreferenceForm(FlaskForm):
    email_reminders = BooleanField("E-mail me a reminder 24 hours and 2 hours before each appointment")
    submit = SubmitField("Save")


class PlanForm(FlaskForm):
    """Step 1 of series planning: which protocol, from which day, with whom (GET, no CSRF needed)."""

    class Meta:
        csrf = False

    protocol = SelectField("Protocol", coerce=int, validators=[InputRequired()])
    first = DateField("First session on or after", validators=[DataRequired(), within_booking_horizon])
    provider = SelectField("Provider", coerce=int, validators=[Optional()])
    submit = SubmitField("Propose dates")


class SessionRow(Form):
    starts_at = DateTimeLocalField("Start (clinic time)", format=LOCAL_FORMAT, validators=[DataRequired()])
    provider_id = SelectField("Provider", coerce=int, validators=[InputRequired()])


class SeriesBookingForm(FlaskForm):
    """Step 2: the proposed sessions, adjusted by the aesthetician, booked all or nothing."""

    protocol_id = HiddenField(validators=[DataRequired()])
    appointment_type_id = HiddenField(validators=[DataRequired()])
    sessions = FieldList(FormField(SessionRow), min_entries=1, max_entries=12)
    submit = SubmitField("Book the whole series")


class WaitlistForm(FlaskForm):
    appointment_type_id = SelectField(_l("Treatment"), coerce=int, validators=[InputRequired()])
    earliest = DateField(_l("From"), validators=[DataRequired()])
    latest = DateField(_l("To"), validators=[DataRequired()])
    submit = SubmitField(_l("Add to the waitlist"))

    def validate_latest(self, field) -> None:
        if self.earliest.data and field.data and field.data < self.earliest.data:
            raise ValidationError(gettext("The end date is before the start date."))


class PortalWaitlistForm(WaitlistForm):
    """A patient joins the waitlist: the same fields, in the patient's words."""

    earliest = DateField(_l("From"), validators=[DataRequired()], description=_l("The first day you could come."))
    latest = DateField(_l("To"), validators=[DataRequired()], description=_l("The last day you could come."))
    submit = SubmitField(_l("Join the waitlist"))


class ClinicSchedulingForm(FlaskForm):
    booking_cutoff_hours = IntegerField(
        "Patients may move or cancel online until (hours before)",
        validators=[InputRequired(), NumberRange(0, 336)],
    )
    series_tolerance_days = IntegerField(
        "Fixed-day protocols: days either side of the planned day",
        validators=[InputRequired(), NumberRange(0, 14)],
    )
    prep_pause_days = IntegerField(
        "Before a procedure: pause home steps this many days before (0: no pause)",
        validators=[Optional(), NumberRange(0, 30)],
    )
    prep_pause_tags = StringField(
        "Ingredient tags paused before a procedure (separated by spaces)",
        validators=[Optional(), Length(max=200)],
    )
    prep_recent_laser_days = IntegerField(
        "Warn when a laser/IPL session or sunburn is this many days before a procedure",
        validators=[Optional(), NumberRange(0, 90)],
    )
    prep_antiviral_days = IntegerField(
        "Cold-sore history: antiviral reminder this many days before",
        validators=[Optional(), NumberRange(0, 14)],
    )
    submit = SubmitField("Save settings")


class ContactAttemptForm(FlaskForm):
    """A call or message to a patient on the follow-up queue (dates are the clinic's local dates)."""

    outcome = SelectField("What happened", choices=list(CONTACT_OUTCOMES.items()))
    contacted_on = DateField("Date", validators=[DataRequired()])
    hide_until = DateField(
        "Hide from the queue until",
        validators=[Optional()],
        description="Leave empty to keep the patient in the queue.",
    )
    note = StringField("Note", validators=[Optional(), Length(max=300)])
    submit = SubmitField("Record contact")
