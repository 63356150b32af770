"""The photo upload form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, SubmitField
from wtforms.validators import AnyOf

from clinic.photos.models import PHASES, STANDARD_VIEWS


class PhotoForm(FlaskForm):
    view = SelectField("Standard view", choices=list(STANDARD_VIEWS.items()))
    phase = SelectField("Before or after", choices=list(PHASES.items()))
    photo = FileField("Photo (JPEG, PNG or WebP, up to 10 MB)")
    submit = SubmitField("Upload photo")


class ShareForm(FlaskForm):
    """Show a photo to the patient ("1") or stop showing it ("0")."""

    shared = HiddenField(validators=[AnyOf(["0", "1"])])
