"""Patient-side forms: ticking a step, reminder settings, reporting a problem."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from clinic.i18n import LANGUAGES
from clinic.reminders.forms import choices_form


class TickForm(FlaskForm):
    status = SelectField("Status", choices=[("done", "Done"), ("skipped", "Skipped")])
    day = DateField("Day", validators=[InputRequired()])


class UndoForm(FlaskForm):
    day = DateField("Day", validators=[InputRequired()])


def parse_hhmm(value: str | None) -> int | None:
    """'08:30' → 510 minutes after midnight; None for empty; ValueError when not a time of day."""
    if not value:
        return None
    try:
        hours, minutes = value.strip().split(":")[:2]
        hours, minutes = int(hours), int(minutes)
    except ValueError:
        raise ValueError("Use a time of day such as 08:30.") from None
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise ValueError("A time of day runs from 00:00 to 23:59.")
    return hours * 60 + minutes


def format_minutes(minutes: int | None) -> str:
    return "" if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


class TimeOfDay(StringField):
    """An HH:MM input whose `minutes` is the parsed value (minutes after midnight)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"type": "time"})
        super().__init__(*args, **kwargs)
        self.minutes: int | None = None

    def pre_validate(self, form) -> None:
        try:
            self.minutes = parse_hhmm(self.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class ReminderSettingsForm(FlaskForm):
    """Times and quiet hours; see `reminder_settings_form()` for the full page form."""

    am_time = TimeOfDay(_l("Morning reminder"), validators=[DataRequired()])
    pm_time = TimeOfDay(_l("Evening reminder"), validators=[DataRequired()])
    timezone = StringField(
        _l("Time zone"),
        validators=[DataRequired(), Length(max=64)],
        description=_l("For example Europe/London or America/New_York."),
    )
    quiet_start = TimeOfDay(_l("Quiet hours start"), validators=[Optional()])
    quiet_end = TimeOfDay(_l("Quiet hours end"), validators=[Optional()])
    # The switches per reminder kind and channel, and the SMS number, are added by
    # clinic.reminders.forms.choices_form (kinds are registered by features at app start).

    def validate_timezone(self, field) -> None:
        if field.data not in available_timezones():
            raise ValidationError(gettext("Unknown time zone; use a name such as Europe/London."))

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then quiet hours as a pair (an empty field skips its own inline validator)."""
        if not super().validate(extra_validators):
            return False
        start, end = self.quiet_start.minutes, self.quiet_end.minutes
        if (start is None) != (end is None):
            self.quiet_end.errors.append(gettext("Give both the start and the end of quiet hours, or neither."))
            return False
        if start is not None and start == end:
            self.quiet_end.errors.append(gettext("Quiet hours cannot cover the whole day."))
            return False
        return True


def reminder_settings_form() -> type[FlaskForm]:
    return choices_form(ReminderSettingsForm, _l("Save reminder settings"))


class ProblemForm(FlaskForm):
    message = TextAreaField(
        _l("What is wrong?"),
        validators=[DataRequired(), Length(max=4000)],
        description=_l("Your dermatologist reads this. In an emergency, call the clinic or 911."),
    )
    submit = SubmitField(_l("Send to my dermatologist"))


class LanguageForm(FlaskForm):
    """The patient's language for the portal, e-mails and texts; empty follows the browser."""

    language = SelectField(
        _l("Language of the portal, e-mails and text messages"),
        choices=[("", _l("My browser's language"))] + list(LANGUAGES.items()),
        default="",
    )
    submit = SubmitField(_l("Save language"))
