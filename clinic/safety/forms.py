"""Safety forms: recalling a lot, the clinic's safety settings, recording an adverse event."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from clinic.catalog.forms import MultiCheckboxField
from clinic.checkins.models import OPEN_DAYS_RANGE, RED_FLAG_PAIN_RANGE
from clinic.safety.models import OUTCOMES, SERIOUSNESS


class RecallForm(FlaskForm):
    status = SelectField(
        "Take the lot out of use as", choices=[("recalled", "Recalled"), ("quarantined", "Quarantined")]
    )
    reason = TextAreaField(
        "Reason",
        validators=[DataRequired(), Length(min=3, max=2000)],
        render_kw={"rows": 3},
        description="Kept with the lot and in the audit log; the patients' notice does not show it.",
    )
    submit = SubmitField("Take lot out of use and notify")


class SafetySettingsForm(FlaskForm):
    lot_cluster_events = IntegerField(
        "Events on one lot that raise a signal", validators=[InputRequired(), NumberRange(min=2, max=100)]
    )
    lot_cluster_days = IntegerField("Within (days)", validators=[InputRequired(), NumberRange(min=1, max=365)])
    rate_window_days = IntegerField(
        "Product event rate: look back (days)", validators=[InputRequired(), NumberRange(min=7, max=730)]
    )
    rate_multiplier = DecimalField(
        "Signal when a product's rate is more than this many times the procedure's rate",
        places=2,
        validators=[InputRequired(), NumberRange(min=1, max=100)],
    )
    checkin_red_flag_pain = IntegerField(
        "Aftercare check-in: pain (out of 10) that is a red flag, at or above",
        validators=[InputRequired(), NumberRange(*RED_FLAG_PAIN_RANGE)],
        description="A red flag files an urgent inbox item for the treating dermatologist and tells the patient to "
        "call the clinic. The default is 7.",
        render_kw={"min": RED_FLAG_PAIN_RANGE[0], "max": RED_FLAG_PAIN_RANGE[1], "inputmode": "numeric"},
    )
    checkin_open_days = IntegerField(
        "Aftercare check-in: can be answered until this many days after the treatment",
        validators=[InputRequired(), NumberRange(*OPEN_DAYS_RANGE)],
        description="At least 7, so the day-7 check-in can be answered. The default is 14.",
        render_kw={"min": OPEN_DAYS_RANGE[0], "max": OPEN_DAYS_RANGE[1], "inputmode": "numeric"},
    )
    recall_notice = TextAreaField(
        "Recall notice to patients",
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 4},
        description="Leave empty to send the default wording (in the patient's language).",
    )
    submit = SubmitField("Save safety settings")


class AdverseEventForm(FlaskForm):
    session_id = SelectField("Session", coerce=int)
    description = TextAreaField("What happened", validators=[DataRequired(), Length(max=4000)], render_kw={"rows": 4})
    onset_on = DateField("Date the event started", validators=[InputRequired()])
    seriousness = SelectField("Seriousness", choices=list(SERIOUSNESS.items()))
    outcome = SelectField("Outcome so far", choices=list(OUTCOMES.items()))
    action_taken = TextAreaField("What was done", validators=[Optional(), Length(max=4000)], render_kw={"rows": 3})
    lot_ids = MultiCheckboxField("Products and lots involved", coerce=int)
    submit = SubmitField("Record adverse event")
