"""The reminder-choice fields shared by the portal settings page and the staff consent form on the chart.

Topics are registered by features at app start, so the form class is built when asked for
(`choices_form(Base)`): one switch per topic and channel, plus the SMS number and the SMS permission.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from clinic.i18n import N_
from clinic.reminders.kinds import topics
from clinic.reminders.models import CHANNELS
from clinic.reminders.preferences import PreferenceError, Preferences, normalise_phone

CHANNEL_LABELS = {"email": N_("e-mail"), "sms": N_("text message (SMS)")}


def want_field(topic: str, channel: str) -> str:
    return f"want_{topic}_{channel}"


class ChoicesMixin:
    """Reads and writes the choice fields; `validate_choices` normalises the number to E.164."""

    def validate(self, extra_validators=None) -> bool:
        fields_ok = super().validate(extra_validators)
        return self.validate_choices() and fields_ok

    def fill_choices(self, prefs: Preferences) -> None:
        self.sms_number.data = prefs.sms_number
        self.sms_enabled.data = prefs.channels.get("sms", False)
        for topic in topics():
            for channel in CHANNELS:
                getattr(self, want_field(topic.name, channel)).data = prefs.wants(channel, topic.name)

    def validate_choices(self) -> bool:
        ok = True
        raw = (self.sms_number.data or "").strip()
        self.sms_number.e164 = None
        if raw:
            try:
                self.sms_number.e164 = normalise_phone(raw)
            except PreferenceError as error:
                self.sms_number.errors.append(str(error))
                ok = False
        if self.sms_enabled.data and not raw:
            self.sms_number.errors.append(gettext("Give a mobile number to get text messages."))
            ok = False
        wants_sms = any(getattr(self, want_field(t.name, "sms")).data for t in topics())
        if wants_sms and not self.sms_enabled.data:
            self.sms_enabled.errors.append(gettext("Turn on text messages to get reminders by SMS."))
            ok = False
        return ok

    def apply_choices(self, prefs: Preferences) -> Preferences:
        prefs.sms_number = self.sms_number.e164
        prefs.channels = {"email": prefs.channels.get("email", True), "sms": bool(self.sms_enabled.data)}
        prefs.wanted = {
            channel: {t.name: bool(getattr(self, want_field(t.name, channel)).data) for t in topics()}
            for channel in CHANNELS
        }
        return prefs


def choices_form(base: type[FlaskForm], submit_label: str) -> type[FlaskForm]:
    """`base` with the SMS fields and one switch per registered topic and channel, then a submit button."""
    fields = {
        "sms_number": StringField(
            _l("Mobile number for text messages"),
            validators=[Optional(), Length(max=40)],
            description=_l("With the country code if it is not a local number, e.g. +44 7700 900123."),
            render_kw={"type": "tel", "autocomplete": "tel"},
        ),
        "sms_enabled": BooleanField(_l("Text messages (SMS) may be sent to this number")),
    }
    for topic in topics():
        for channel in CHANNELS:
            label = _l("%(topic)s by %(channel)s", topic=_l(topic.label), channel=_l(CHANNEL_LABELS[channel]))
            fields[want_field(topic.name, channel)] = BooleanField(label)
    fields["submit"] = SubmitField(submit_label)
    return type(f"{base.__name__}WithChoices", (ChoicesMixin, base), fields)


class StaffContactForm(FlaskForm):
    """Staff recording a patient's choices: they confirm the patient agreed (spoken or on paper)."""

    confirmed = BooleanField(
        "The patient agreed to be contacted as chosen below",
        validators=[DataRequired("Confirm that the patient agreed before recording their choices.")],
    )
