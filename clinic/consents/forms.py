"""Consent signing and revocation forms; the admin's new-version form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from clinic.i18n import LANGUAGES


class SignConsentForm(FlaskForm):
    text_digest = HiddenField()
    agree = BooleanField(
        "The patient has read this consent and agrees to it",
        validators=[DataRequired(message="The patient must agree to sign.")],
    )
    signer_name = StringField(
        "Full name of the signer (typed)",
        validators=[DataRequired(), Length(max=120)],
        render_kw={"autocomplete": "off"},
    )
    signature_method = RadioField(
        "How does the signer sign?",
        choices=[("typed", "Type the name as the signature"), ("drawn", "Draw the signature")],
        default="typed",
    )
    typed_agree = BooleanField("The signer agrees that the typed name above is their signature")
    signature = HiddenField("Signature")
    submit = SubmitField("Sign consent")


class RevokeConsentForm(FlaskForm):
    reason = StringField("Reason for revoking", validators=[DataRequired(), Length(max=500)])
    submit = SubmitField("Revoke consent")


class ConsentFormVersionForm(FlaskForm):
    language = SelectField(
        _l("Language of the text"),
        choices=list(LANGUAGES.items()),
        description=_l(
            "A language the newest version has no text in yet gets this version number (a translation of it); "
            "otherwise the text is a new version."
        ),
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=160)])
    body = TextAreaField(
        "Text",
        validators=[DataRequired(), Length(max=20000)],
        render_kw={"rows": 18},
        description="{product_sources} is replaced by the in-office exosome products and "
        "their sources when the patient signs.",
    )
    valid_months = IntegerField(
        "Valid for (months)", default=12, validators=[InputRequired(), NumberRange(min=1, max=60)]
    )
    submit = SubmitField("Publish as a new version")


class PortalSignConsentForm(SignConsentForm):
    """The same signing form, worded for the patient signing on their own phone (in their language)."""

    agree = BooleanField(
        _l("I have read this consent and agree to it"),
        validators=[DataRequired(message=_l("Tick the box to confirm you have read and agree to this consent."))],
    )
    signer_name = StringField(
        _l("Your full name"),
        validators=[DataRequired(message=_l("Type your full name.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    signature_method = RadioField(
        _l("How do you want to sign?"),
        choices=[("typed", _l("Type my name as my signature")), ("drawn", _l("Draw my signature"))],
        default="typed",
    )
    typed_agree = BooleanField(_l("I agree that my typed name above is my signature"))
    signature = HiddenField(_l("Signature"))
    submit = SubmitField(_l("Sign consent"))
