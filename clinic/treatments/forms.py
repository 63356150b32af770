"""Forms for check-in (pre-check), the session record, signing, amendments and outcome scores.

Ranges are checked in the services (one place, also for non-HTTP callers); forms check types and presence.
"""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from clinic.catalog.rules import Finding
from clinic.treatments.scores import CHECKPOINTS, MASI_REGIONS, SCALES

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


#: Rows per list on the record form; a limit only against absurd posts, far beyond any session.
MAX_ROWS = 60
#: The "more rows" buttons and the list each one extends.
MORE_ROWS = {"more_areas": "areas", "more_sites": "injection_sites", "more_products": "products"}


class MeasureField(DecimalField):
    """A measured value, kept and shown with exactly the places typed (no rounding to a fixed `places`:
    0.135 stays 0.135, 1.500 from the database shows as 1.5). The service checks range and precision."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [Optional()])
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(*args, places=None, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format(Decimal(self.data).normalize(), "f")


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class PrecheckForm(FlaskForm):
    procedure_id = SelectField("Procedure", coerce=int, validators=[InputRequired()])
    product_ids = MultiCheckboxField(
        "Products planned",
        coerce=int,
        description="Their ingredients are checked against the patient's allergies.",
    )
    history_confirmed = MultiCheckboxField(
        "History",
        choices=[("yes", "I re-confirmed the medical history answers with the patient today")],
        validators=[DataRequired(message="Re-confirm the history with the patient first.")],
    )
    #: Codes of the warnings whose reason fields were on the page the user submitted (comma-separated).
    shown_warnings = HiddenField()
    submit = SubmitField("Run the pre-check")

    def shown_codes(self) -> set[str]:
        return {code for code in (self.shown_warnings.data or "").split(",") if code}


def precheck_form_with_overrides(findings: list[Finding], shown: set[str]) -> type[PrecheckForm]:
    """The pre-check form plus one reason field per warning. A reason is required (with an error beside it)
    only for warnings that were already on screen (`shown`): a warning the user has not seen yet gets its
    field without an error, so the first step never reports a problem with a field nobody has seen."""

    class WithOverrides(PrecheckForm):
        pass

    for finding in findings:
        if not finding.is_hard_stop:
            length = Length(min=5, max=1000, message="Write why you proceed (at least 5 characters).")
            required = (
                DataRequired(message="Write why you proceed despite this warning.")
                if finding.code in shown
                else Optional()
            )
            field = TextAreaField(
                f"Override reason: {finding.label}",
                description=finding.reason,
                validators=[required, length],
                render_kw={"rows": 2},
            )
            setattr(WithOverrides, f"override_{finding.code}", field)
    # A new field sorts after the reasons: the button stays last.
    WithOverrides.submit = SubmitField("Start the session")
    return WithOverrides


class AreaForm(Form):
    """One treated area with the settings used there (they differ between areas in practice)."""

    area = StringField("Area", validators=[Optional(), Length(max=60)])
    needle_depth_mm = MeasureField("Needle depth (mm)")
    passes = IntegerField("Passes", validators=[Optional()])
    laser_wavelength_nm = IntegerField("Laser wavelength (nm)", validators=[Optional()])
    laser_fluence_j_cm2 = MeasureField("Laser fluence (J/cm²)")
    laser_spot_size_mm = MeasureField("Laser spot size (mm)")


class SiteForm(Form):
    site = StringField("Injection site", validators=[Optional(), Length(max=60)])
    volume_ml = MeasureField("Volume (ml)")
    depth_mm = MeasureField("Depth (mm)")


class ProductUseForm(Form):
    product_id = SelectField("Product", coerce=int, validators=[Optional()])
    lot_number = StringField("Lot number", validators=[Optional(), Length(max=60)], render_kw={"list": "usable-lots"})
    volume_ml = MeasureField("Volume (ml)")
    units_used = IntegerField("Units from stock", default=1, validators=[Optional()])


class SessionForm(FlaskForm):
    version = HiddenField()
    started_at = DateTimeLocalField("Started", format=DATETIME_FORMAT, validators=[InputRequired()])
    ended_at = DateTimeLocalField("Ended", format=DATETIME_FORMAT, validators=[Optional()])
    assistant_id = SelectField("Assistant", coerce=int)
    device = StringField("Device", validators=[Optional(), Length(max=120)])
    anaesthetic = StringField("Anaesthetic", validators=[Optional(), Length(max=120)])
    # As many rows as needed: one empty row after the saved ones, and a "more rows" button per list that
    # works without JavaScript (the page comes back with what was typed and one more empty row).
    areas = FieldList(FormField(AreaForm), min_entries=1, max_entries=MAX_ROWS)
    more_areas = SubmitField("Add an area row")
    injection_sites = FieldList(FormField(SiteForm), min_entries=1, max_entries=MAX_ROWS)
    more_sites = SubmitField("Add an injection site row")
    products = FieldList(FormField(ProductUseForm), min_entries=1, max_entries=MAX_ROWS)
    more_products = SubmitField("Add a product row")
    skin_response = TextAreaField("Skin response", validators=[Optional(), Length(max=4000)])
    adverse_events = TextAreaField("Adverse events", validators=[Optional(), Length(max=4000)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=4000)])
    submit = SubmitField("Save draft")

    def add_requested_row(self) -> bool:
        """If a "more rows" button was pressed, add an empty row to its list and say so (nothing is saved)."""
        for button, rows in MORE_ROWS.items():
            if self[button].data:
                if len(self[rows]) < MAX_ROWS:
                    self[rows].append_entry()
                return True
        return False


class SignForm(FlaskForm):
    version = HiddenField()
    submit = SubmitField("Sign session")


class AmendForm(FlaskForm):
    #: Choices are the session's recorded fields (treatments.amendments.amendable_fields), set per session.
    field = SelectField("Field to correct", choices=[("", "Choose…")])
    new_value = TextAreaField(
        "Corrected value",
        validators=[Optional(), Length(max=4000)],
        render_kw={"rows": 2},
        description="Times as YYYY-MM-DD HH:MM in clinic time; numbers with up to 3 decimal places.",
    )
    reason = TextAreaField(
        "Reason for the correction", validators=[DataRequired(), Length(max=1000)], render_kw={"rows": 2}
    )
    submit = SubmitField("Add amendment")


class ScoreForm(FlaskForm):
    scale = SelectField("Scale", choices=[(s.code, s.label) for s in SCALES.values()])
    checkpoint = SelectField("Checkpoint", choices=list(CHECKPOINTS.items()))
    recorded_on = DateField("Date", validators=[InputRequired()])
    value = StringField(
        "Value",
        validators=[Optional(), Length(max=20)],
        description="Glogau I–IV; Norwood I–VII (IIa, IIIa, IIIvertex, IVa, Va); Ludwig I–III; "
        "density hairs/cm²; diameter µm; CEA and IGA 0–4. Leave empty for MASI/mMASI.",
    )
    submit = SubmitField("Record score")


for _region, (_label, _weight) in MASI_REGIONS.items():
    setattr(ScoreForm, f"{_region}_area", IntegerField(f"MASI {_label}: area (0–6)", validators=[Optional()]))
    setattr(
        ScoreForm,
        f"{_region}_darkness",
        IntegerField(f"MASI {_label}: darkness (0–4)", validators=[Optional()]),
    )
    setattr(
        ScoreForm,
        f"{_region}_homogeneity",
        IntegerField(f"MASI {_label}: homogeneity (0–4, MASI only)", validators=[Optional()]),
    )
ScoreForm.submit = SubmitField("Record score")  # after the MASI fields
