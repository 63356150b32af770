from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from clinic.limits import sane_date

OUTCOMES = [("", "Any outcome"), ("success", "Success"), ("failure", "Failure"), ("denied", "Denied")]


def _optional_int(value) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


class AuditFilterForm(FlaskForm):
    """The audit log's filters: a GET form (bookmarkable, no CSRF token needed for reading)."""

    class Meta:
        csrf = False

    user_id = SelectField("User", coerce=_optional_int, choices=[("", "Anyone")], validate_choice=True)
    patient_id = IntegerField("Patient id", validators=[Optional(), NumberRange(min=1)])
    action = StringField(
        "Action",
        validators=[Optional(), Length(max=64)],
        description="Exact action or its start, e.g. auth. or patient.view",
    )
    outcome = SelectField("Outcome", choices=OUTCOMES, default="")
    date_from = DateField("From", validators=[Optional(), sane_date])
    date_to = DateField("To (inclusive)", validators=[Optional(), sane_date])
    submit = SubmitField("Filter")

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")
