"""The check-in form the patient fills in on the portal (labels in the patient's language)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

#: The standard views a patient may choose for the photo, in plain words.
PHOTO_VIEWS = [
    ("face_front", _l("Face, from the front")),
    ("face_45_left", _l("Face, turned to the left")),
    ("face_45_right", _l("Face, turned to the right")),
    ("scalp_vertex", _l("Top of the head")),
    ("scalp_frontal", _l("Hairline, from the front")),
]


def _score(label):
    return IntegerField(
        label,
        validators=[InputRequired(_l("Choose a number from 0 to 10.")), NumberRange(0, 10, _l("From 0 to 10."))],
        description=_l("0 = none, 10 = the worst you can imagine"),
        render_kw={"min": 0, "max": 10, "inputmode": "numeric"},
    )


def _yes_no(label):
    return RadioField(label, choices=[("no", _l("No")), ("yes", _l("Yes"))], default="no")


class CheckinForm(FlaskForm):
    redness = _score(_l("Redness"))
    swelling = _score(_l("Swelling"))
    pain = _score(_l("Pain"))
    itch = _score(_l("Itch"))
    fever = _yes_no(_l("Do you have a fever?"))
    pus = _yes_no(_l("Is there pus (yellow or green fluid) on the treated skin?"))
    spreading_redness = _yes_no(_l("Is the redness spreading beyond the treated area?"))
    note = TextAreaField(_l("Anything else you want to tell us?"), validators=[Optional(), Length(max=2000)])
    view = SelectField(_l("Which area is in the photo?"), choices=PHOTO_VIEWS)
    photo = FileField(
        _l("Photo of the treated area (optional)"), description=_l("A JPEG, PNG or WebP photo, up to 10 MB.")
    )
    submit = SubmitField(_l("Send my answers"))
