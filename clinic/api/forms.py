"""The API tokens settings page: create a token, revoke one."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from clinic.api.models import SCOPES
from clinic.api.tokens import LIFETIME_CHOICES


class CreateTokenForm(FlaskForm):
    name = StringField(
        "Token name",
        validators=[DataRequired("Give the token a name (what it is for)."), Length(max=80)],
        description="What or who uses it, e.g. “Reporting spreadsheet”.",
        render_kw={"autocomplete": "off"},
    )
    scope = RadioField("Access", choices=list(SCOPES.items()), default="read")
    lifetime_days = SelectField(
        "Expires after",
        choices=[(days, f"{days} days") for days in LIFETIME_CHOICES],
        coerce=int,
        default=90,
    )
    submit = SubmitField("Create token")


class RevokeTokenForm(FlaskForm):
    submit = SubmitField("Revoke")
