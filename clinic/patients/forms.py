"""Forms for the patient record: demographics and contact, medical history, archiving."""

from __future__ import annotations

from datetime import date
from functools import cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from clinic.clinics.services import clinic_today
from clinic.i18n import LANGUAGES
from clinic.patients.models import CONCERNS, FITZPATRICK, SEXES
from clinic.patients.services import HISTORY_FIELDS, HistoryAnswers, PatientDetails

EARLIEST_BIRTH = date(1900, 1, 1)


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (the form macro renders it as a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


@cache
def known_timezones() -> frozenset[str]:
    """The zone names zoneinfo knows (read once: `available_timezones()` walks the zone files, ~0.1 s)."""
    return frozenset(available_timezones())


@cache
def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(z for z in known_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return [(z, z.replace("_", " ")) for z in names]


def not_in_future(form, field) -> None:  # noqa: ARG001 - WTForms validator signature
    if field.data and field.data > clinic_today():
        raise ValidationError("This date is in the future.")


def born_after_1900(form, field) -> None:  # noqa: ARG001
    if field.data and field.data < EARLIEST_BIRTH:
        raise ValidationError("Enter a date of birth from 1900 on.")


def known_timezone(form, field) -> None:  # noqa: ARG001
    if field.data not in known_timezones():
        raise ValidationError("Choose a time zone from the list.")


def _optional_text(label: str, max_length: int = 2000, **kwargs) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=max_length)], render_kw={"rows": 2}, **kwargs)


class PatientForm(FlaskForm):
    first_name = StringField(
        "First name", validators=[DataRequired(), Length(max=80)], render_kw={"autocomplete": "off"}
    )
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=80)], render_kw={"autocomplete": "off"})
    date_of_birth = DateField(
        "Date of birth", validators=[DataRequired("Enter a valid date of birth."), not_in_future, born_after_1900]
    )
    sex = SelectField("Sex", choices=list(SEXES.items()), default="unknown")
    email = EmailField(
        "E-mail",
        validators=[Optional(), Email(), Length(max=254)],
        description="Needed to invite the patient to the portal.",
    )
    phone = StringField(
        "Phone",
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[\d\s()+.\-]*\d[\d\s()+.\-]*$", message="Use digits, spaces, +, -, ( and ) only."),
        ],
        render_kw={"type": "tel"},
    )
    address = _optional_text("Address", 500)
    timezone = SelectField(
        "Time zone",
        validators=[DataRequired(), known_timezone],
        validate_choice=False,
        description="Reminders reach the patient at their own local times.",
    )
    language = SelectField(
        "Language",
        choices=[("", "The browser's language")] + list(LANGUAGES.items()),
        default="",
        description="Portal pages, e-mails and text messages for the patient.",
    )
    fitzpatrick = SelectField(
        "Fitzpatrick skin type",
        choices=[("", "Not assessed")] + [(str(k), v) for k, v in FITZPATRICK.items()],
        default="",
    )
    concerns = MultiCheckboxField("Concerns", choices=list(CONCERNS.items()))
    allergies = _optional_text("Allergies", description="Including anaesthetics and product ingredients.")
    medications = _optional_text("Current medications")
    notes = _optional_text("Notes (staff only)", 5000)
    version = HiddenField()
    submit = SubmitField("Save patient")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()

    def validate_fitzpatrick(self, field) -> None:
        if field.data not in ("", *map(str, FITZPATRICK)):
            raise ValidationError("Choose a skin type from I to VI.")

    def details(self) -> PatientDetails:
        return PatientDetails(
            first_name=self.first_name.data,
            last_name=self.last_name.data,
            date_of_birth=self.date_of_birth.data,
            sex=self.sex.data,
            email=self.email.data,
            phone=self.phone.data,
            address=self.address.data,
            timezone=self.timezone.data,
            language=self.language.data or "",
            fitzpatrick=int(self.fitzpatrick.data) if self.fitzpatrick.data else None,
            concerns=list(self.concerns.data or []),
            allergies=self.allergies.data,
            medications=self.medications.data,
            notes=self.notes.data,
        )

    def fill_from(self, patient) -> None:
        """Fill an edit form from the saved record (on GET)."""
        for name in (
            "first_name",
            "last_name",
            "date_of_birth",
            "sex",
            "email",
            "phone",
            "address",
            "timezone",
            "allergies",
            "medications",
            "notes",
        ):
            getattr(self, name).data = getattr(patient, name)
        self.language.data = patient.language or ""
        self.fitzpatrick.data = str(patient.fitzpatrick) if patient.fitzpatrick else ""
        self.concerns.data = patient.concerns
        self.version.data = str(patient.version)


def _yes(label: str, description: str | None = None) -> BooleanField:
    return BooleanField(label, description=description)


def _past_date(label: str) -> DateField:
    return DateField(label, validators=[Optional(), not_in_future], description="Leave empty if never.")


class MedicalHistoryForm(FlaskForm):
    """The answers the contraindication rules read, in the patient's words where possible."""

    pregnant = _yes("Pregnant, or may be pregnant")
    breastfeeding = _yes("Breastfeeding")
    isotretinoin = RadioField(
        "Isotretinoin (Accutane, Roaccutane)",
        default="never",
        choices=[("never", "Never taken"), ("current", "Taking it now"), ("stopped", "Stopped")],
    )
    isotretinoin_stopped_on = DateField("Date isotretinoin was stopped", validators=[Optional(), not_in_future])
    anticoagulants = _yes("Takes blood thinners (anticoagulants or antiplatelets)")
    bleeding_disorder = _yes("Bleeding or clotting disorder")
    keloid_history = _yes("Keloid or raised (hypertrophic) scars")
    hsv_history = _yes("Cold sores (herpes simplex) in the past")
    hsv_prophylaxis = _yes("Takes antiviral prophylaxis before treatments")
    active_infection = _yes("Active skin infection in the treatment area (bacterial, viral, fungal)")
    open_wound = _yes("Open wound in the treatment area")
    skin_flare = _yes("Flare of acne, eczema, psoriasis or rosacea in the treatment area")
    diabetes = RadioField(
        "Diabetes",
        default="none",
        choices=[("none", "No diabetes"), ("controlled", "Well controlled"), ("uncontrolled", "Not well controlled")],
    )
    cancer_treatment = _yes("Currently having chemotherapy or radiotherapy")
    anaesthetic_allergy = _yes("Allergy to local anaesthetics (e.g. lidocaine)")
    filler_on = _past_date("Last dermal filler in the treatment area")
    surgery_on = _past_date("Last surgery in the treatment area")
    neuromodulator_on = _past_date("Last botulinum toxin (neuromodulator)")
    deep_peel_on = _past_date("Last deep chemical peel")
    laser_or_ipl_on = _past_date("Last laser or IPL treatment")
    recent_sunburn = _yes("Sunburn in the last two weeks")
    confirmed = BooleanField("I went through these answers with the patient today")
    version = HiddenField()
    submit = SubmitField("Save medical history")

    GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("Pregnancy", ("pregnant", "breastfeeding")),
        ("Medicines", ("isotretinoin", "isotretinoin_stopped_on", "anticoagulants", "bleeding_disorder")),
        (
            "Skin and healing",
            (
                "keloid_history",
                "hsv_history",
                "hsv_prophylaxis",
                "active_infection",
                "open_wound",
                "skin_flare",
                "recent_sunburn",
            ),
        ),
        ("General health", ("diabetes", "cancer_treatment", "anaesthetic_allergy")),
        ("Recent treatments", ("filler_on", "surgery_on", "neuromodulator_on", "deep_peel_on", "laser_or_ipl_on")),
    )

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the one rule across fields: "stopped" needs its date.

        (Done here, not in a field validator: Optional() ends an empty field's checks before those run.)
        """
        valid = super().validate(extra_validators)
        stopped_on = self.isotretinoin_stopped_on
        if self.isotretinoin.data == "stopped" and not stopped_on.data and not stopped_on.errors:
            stopped_on.errors.append("Enter when isotretinoin was stopped (an estimate is fine).")
            valid = False
        return valid

    def answers(self) -> HistoryAnswers:
        return HistoryAnswers(**{name: getattr(self, name).data for name in HISTORY_FIELDS})

    def fill_from(self, history, version: int) -> None:
        if history is not None:
            for name in HISTORY_FIELDS:
                getattr(self, name).data = getattr(history, name)
        self.version.data = str(version)


LABELS: dict[str, str] = {name: str(MedicalHistoryForm.__dict__[name].args[0]) for name in HISTORY_FIELDS}


class ArchiveForm(FlaskForm):
    reason = StringField(
        "Reason for archiving",
        validators=[DataRequired(), Length(max=300)],
        description="For example: moved away, duplicate record, deceased.",
    )
    submit = SubmitField("Archive patient")


class ActionForm(FlaskForm):
    """A button that needs only CSRF protection (unarchive, invite)."""

    submit = SubmitField("Confirm")
