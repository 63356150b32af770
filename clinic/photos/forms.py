"""The photo upload form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, SubmitField

from clinic.photos.models import PHASES, STANDARD_VIEWS


class PhotoForm(FlaskForm):
    view = SelectField("Standard view", choices=list(STANDARD_VIEWS.items()))
    phase = SelectField("Before or after", choices=list(PHASES.items()))
    photo = FileField("Photo (JPEG, PNG or WebP, up to 10 MB)")
    submit = SubmitField("Upload photo")
