"""Admin forms for the catalog: products, procedures, protocols, aftercare and contraindication rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from clinic.catalog.models import (
    AFTERCARE_ACTIONS,
    EXOSOME_SOURCES,
    INGREDIENT_TAGS,
    PRODUCT_CATEGORIES,
    PRODUCT_USES,
    RULE_SEVERITIES,
)

SOURCES = [("", "—")] + list(EXOSOME_SOURCES.items())
OFFSETS = r"^\s*(\d+\s*(,\s*\d+\s*)*)?$"


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ProductForm(FlaskForm):
    brand = StringField("Brand", validators=[DataRequired(), Length(max=80)])
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    category = SelectField("Category", choices=list(PRODUCT_CATEGORIES.items()))
    use = SelectField("Use", choices=list(PRODUCT_USES.items()))
    size_ml = DecimalField("Size (ml)", places=2, validators=[Optional(), NumberRange(min=0.01, max=10000)])
    price = DecimalField("Price", places=2, validators=[Optional(), NumberRange(min=0, max=100000)])
    ml_per_use = DecimalField("Millilitres per use", places=3, validators=[Optional(), NumberRange(min=0.001, max=100)])
    ingredients = TextAreaField("Ingredients", validators=[Optional(), Length(max=4000)], render_kw={"rows": 2})
    tags = MultiCheckboxField("Ingredient tags", choices=list(INGREDIENT_TAGS.items()))
    exosome_source = SelectField("Exosome source", choices=SOURCES)
    usage_instructions = TextAreaField(
        "Usage instructions", validators=[Optional(), Length(max=4000)], render_kw={"rows": 2}
    )
    active = BooleanField("Active", default=True)
    submit = SubmitField("Save product")


class ProcedureForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=4000)], render_kw={"rows": 2})
    duration_minutes = IntegerField("Duration (minutes)", validators=[InputRequired(), NumberRange(min=5, max=600)])
    requires_consent = BooleanField("Needs a signed consent")
    active = BooleanField("Active")
    submit = SubmitField("Save procedure")


class ProtocolForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    induction_day_offsets = StringField(
        "Induction day offsets",
        validators=[Optional(), Regexp(OFFSETS)],
        description="Comma-separated, e.g. 1, 15, 45, 75, 105. Or use a count below.",
    )
    induction_count = IntegerField("Induction sessions", validators=[Optional(), NumberRange(min=1, max=20)])
    min_interval_days = IntegerField("Minimum interval (days)", validators=[Optional(), NumberRange(min=1, max=365)])
    max_interval_days = IntegerField("Maximum interval (days)", validators=[Optional(), NumberRange(min=1, max=730)])
    maintenance_interval_days = IntegerField(
        "Maintenance interval (days)", validators=[Optional(), NumberRange(min=1, max=1095)]
    )
    checkpoint_months = StringField(
        "Outcome checkpoints (months)",
        validators=[DataRequired(), Regexp(OFFSETS)],
        description="Comma-separated, 0 = baseline; e.g. 0, 3, 6, 9.",
    )
    active = BooleanField("Active")
    submit = SubmitField("Save protocol")

    def validate_max_interval_days(self, field) -> None:
        if field.data and self.min_interval_days.data and field.data < self.min_interval_days.data:
            raise ValidationError("The maximum must not be below the minimum.")


class AftercareRuleForm(FlaskForm):
    action = SelectField("Action", choices=list(AFTERCARE_ACTIONS.items()))
    ingredient_tag = SelectField("Ingredient tag", choices=[("", "—")] + list(INGREDIENT_TAGS.items()))
    label = StringField("Label", validators=[DataRequired(), Length(max=160)])
    patient_instruction = TextAreaField(
        "Instruction for the patient", validators=[Optional(), Length(max=2000)], render_kw={"rows": 2}
    )
    starts_after_hours = IntegerField(
        "Starts after (hours)", default=0, validators=[InputRequired(), NumberRange(min=0, max=720)]
    )
    window_hours = IntegerField("Lasts (hours)", validators=[InputRequired(), NumberRange(min=1, max=2160)])
    step_slot = SelectField("Step slot", choices=[("", "—"), ("am", "AM"), ("pm", "PM"), ("both", "AM and PM")])
    position = IntegerField("Order", default=0, validators=[Optional(), NumberRange(min=0, max=999)])
    submit = SubmitField("Save aftercare rule")

    def validate_ingredient_tag(self, field) -> None:
        if self.action.data in ("pause_tag", "add_step") and not field.data:
            raise ValidationError("Pausing or adding a step needs an ingredient tag.")


class ContraindicationRuleForm(FlaskForm):
    label = StringField("Label", validators=[DataRequired(), Length(max=160)])
    severity = SelectField("Severity", choices=list(RULE_SEVERITIES.items()))
    enabled = BooleanField("Enabled")
    window_months = IntegerField("Window (months)", validators=[Optional(), NumberRange(min=0, max=120)])
    window_days = IntegerField("Window (days)", validators=[Optional(), NumberRange(min=0, max=3650)])
    threshold = IntegerField(
        "Threshold (lowest Fitzpatrick type warned)", validators=[Optional(), NumberRange(min=1, max=6)]
    )
    submit = SubmitField("Save rule")


class LotForm(FlaskForm):
    product_id = SelectField("Product", coerce=int)
    lot_number = StringField("Lot number", validators=[DataRequired(), Length(max=60)])
    expires_on = DateField("Expires on", validators=[InputRequired()])
    manufacturer = StringField("Manufacturer", validators=[Optional(), Length(max=120)])
    source = SelectField("Source", choices=SOURCES)
    quantity_on_hand = IntegerField("Units on hand", validators=[InputRequired(), NumberRange(min=0, max=100000)])
    low_stock_threshold = IntegerField(
        "Warn at or below", default=3, validators=[InputRequired(), NumberRange(min=0, max=10000)]
    )
    submit = SubmitField("Save lot")


class TreatmentLimitForm(FlaskForm):
    low = DecimalField("Lowest accepted", places=3, validators=[InputRequired(), NumberRange(min=0)])
    high = DecimalField("Highest accepted", places=3, validators=[InputRequired(), NumberRange(min=0)])
    submit = SubmitField("Save range")

    def validate_high(self, field) -> None:
        if self.low.data is not None and field.data is not None and field.data <= self.low.data:
            raise ValidationError("The highest value must be above the lowest.")
