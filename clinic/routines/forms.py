"""Staff forms for routines, steps, aftercare records and pauses."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from clinic.routines.defaults import CONCERN_CHOICES, TEMPLATES
from clinic.routines.models import FREQUENCIES, SLOTS, WEEKDAY_NAMES


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NewRoutineForm(FlaskForm):
    template = SelectField(
        "Start from",
        choices=[("", "A blank routine")] + [(k, f"Template: {t['name']}") for k, t in TEMPLATES.items()],
    )
    concern = SelectField("Concern", choices=list(CONCERN_CHOICES.items()))
    goal = StringField(
        "Goal",
        validators=[Optional(), Length(max=200)],
        description="Left empty, the template's goal is used.",
    )
    starts_on = DateField("Starts on", validators=[InputRequired()])
    submit = SubmitField("Create routine")


class StepForm(FlaskForm):
    product_id = SelectField("Product", coerce=str, choices=[])
    label = StringField(
        "Or a free-text step",
        validators=[Optional(), Length(max=120)],
        description='For example "Gentle cleanse".',
    )
    slot = SelectField("Time of day", choices=list(SLOTS.items()))
    position = IntegerField("Order", default=1, validators=[InputRequired(), NumberRange(0, 99)])
    frequency = SelectField("Frequency", choices=list(FREQUENCIES.items()))
    weekdays = MultiCheckboxField("Weekdays", choices=[(str(i), n) for i, n in enumerate(WEEKDAY_NAMES)])
    start_offset_days = IntegerField("Start after (days)", default=0, validators=[Optional(), NumberRange(0, 365)])
    ends_on = DateField("Ends on", validators=[Optional()])
    instructions = TextAreaField("Instructions", validators=[Optional(), Length(max=1000)])
    safety_reason = TextAreaField(
        "Reason to add it despite a warning",
        validators=[Optional(), Length(max=500)],
        description="Needed only when the product raises a warning for this patient (kept with the step).",
    )
    submit = SubmitField("Save step")

    def validate_weekdays(self, field) -> None:
        if self.frequency.data == "weekdays" and not field.data:
            raise ValidationError("Choose at least one weekday.")

    def validate_label(self, field) -> None:
        if not self.product_id.data and not (field.data or "").strip():
            raise ValidationError("Choose a product or describe the step.")


def _id_or_none(value) -> int | None:
    """A select's id; None for its empty placeholder option (required selects start with one)."""
    return None if value in ("", None) else int(value)


class AftercareForm(FlaskForm):
    procedure_id = SelectField("Procedure", coerce=_id_or_none, choices=[], validators=[DataRequired()])
    session_ended_at = DateTimeLocalField(
        "Session ended at (clinic time)", format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    submit = SubmitField("Record procedure for aftercare")


class PauseForm(FlaskForm):
    ends_on = DateField("Paused until (end of day, patient's time)", validators=[InputRequired()])
    submit = SubmitField("Change pause")


class ProblemReplyForm(FlaskForm):
    """A message in a problem report's thread (staff or patient)."""

    message = TextAreaField(_l("Your reply"), validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("Send reply"))
