"""The admin's upload form (dry run first) and the confirm form that imports the checked file."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField, RadioField, SubmitField
from wtforms.validators import DataRequired

KINDS = [("patients", "Patients"), ("appointments", "Future appointments")]


class UploadForm(FlaskForm):
    kind = RadioField("What the file holds", choices=KINDS, default="patients", validators=[DataRequired()])
    file = FileField(
        "CSV file",
        validators=[
            FileRequired("Choose the CSV file to import."),
            FileAllowed(["csv", "txt"], "Choose a .csv file (a spreadsheet saved as CSV)."),
        ],  # its size is capped by the request's body limit (CLINIC_IMPORT_MAX_BYTES, clinic/limits.py)
        description='Columns as described in the README ("Import from another system"). Nothing is written yet.',
    )
    skip_bad_rows = BooleanField(
        "Skip refused rows", description="Import the other rows even if some are refused (otherwise none are)."
    )
    submit = SubmitField("Check the file (dry run)")


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    skip_bad_rows = HiddenField()
    submit = SubmitField("Import")
