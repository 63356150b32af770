"""Outcome scales (DOMAIN.md): parsing and range checks, MASI/mMASI arithmetic, recording a score."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from clinic.audit.services import record
from clinic.extensions import db
from clinic.treatments.models import OutcomeScore
from clinic.validation import Invalid

CHECKPOINTS: dict[str, str] = {
    "baseline": "Baseline",
    "3m": "3 months",
    "6m": "6 months",
    "9m": "9 months",
    "other": "Other",
}
MASI_REGIONS: dict[str, tuple[str, Decimal]] = {
    "forehead": ("Forehead", Decimal("0.3")),
    "right_malar": ("Right malar", Decimal("0.3")),
    "left_malar": ("Left malar", Decimal("0.3")),
    "chin": ("Chin", Decimal("0.1")),
}


@dataclass(frozen=True)
class Scale:
    code: str
    label: str
    categories: tuple[str, ...] = ()  # ordered; the value is the index + 1
    low: Decimal | None = None  # numeric scales
    high: Decimal | None = None
    unit: str = ""

    @property
    def is_categorical(self) -> bool:
        return bool(self.categories)


SCALES: dict[str, Scale] = {
    s.code: s
    for s in [
        Scale("glogau", "Glogau photoaging", categories=("I", "II", "III", "IV")),
        Scale(
            "norwood",
            "Hamilton–Norwood",
            categories=("I", "II", "IIa", "III", "IIIa", "IIIvertex", "IV", "IVa", "V", "Va", "VI", "VII"),
        ),
        Scale("ludwig", "Ludwig", categories=("I", "II", "III")),
        Scale("density", "Trichoscopy density", low=Decimal(0), high=Decimal(600), unit="hairs/cm²"),
        Scale("diameter", "Trichoscopy shaft diameter", low=Decimal(0), high=Decimal(200), unit="µm"),
        Scale("masi", "MASI", low=Decimal(0), high=Decimal(48)),
        Scale("mmasi", "mMASI", low=Decimal(0), high=Decimal(24)),
        Scale("cea", "Clinician Erythema Assessment", low=Decimal(0), high=Decimal(4)),
        Scale("iga", "Investigator Global Assessment", low=Decimal(0), high=Decimal(4)),
    ]
}
INTEGER_SCALES = {"cea", "iga"}


def masi(components: dict[str, dict[str, int]], *, modified: bool = False) -> Decimal:
    """MASI = Σ weight × area × (darkness + homogeneity); mMASI leaves out homogeneity.

    Area 0–6, darkness 0–4, homogeneity 0–4 per region; raises Invalid for a missing or out-of-range part.
    """
    problems = {}
    total = Decimal(0)
    for region, (label, weight) in MASI_REGIONS.items():
        parts = components.get(region, {})
        limits = {"area": 6, "darkness": 4} | ({} if modified else {"homogeneity": 4})
        values = {}
        for part, high in limits.items():
            value = parts.get(part)
            if value is None or not (0 <= int(value) <= high):
                problems[f"{region}_{part}"] = f"{label} {part}: 0 to {high}."
            else:
                values[part] = int(value)
        if len(values) == len(limits):
            total += weight * values["area"] * (values["darkness"] + values.get("homogeneity", 0))
    if problems:
        raise Invalid(problems)
    return total.quantize(Decimal("0.1"))


def parse_value(scale: Scale, raw: str | None) -> tuple[Decimal, str]:
    """(numeric value for charts, label as recorded) for a non-MASI scale, or Invalid."""
    text = (raw or "").strip()
    if scale.is_categorical:
        for i, category in enumerate(scale.categories, start=1):
            if text.lower() == category.lower():
                return Decimal(i), category
        raise Invalid({"value": f"{scale.label}: one of {', '.join(scale.categories)}."})
    try:
        value = Decimal(text)
    except ArithmeticError:
        value = None
    if (
        value is None
        or not value.is_finite()
        or not (scale.low <= value <= scale.high)
        or (scale.code in INTEGER_SCALES and value != value.to_integral_value())
    ):
        whole = " (whole numbers)" if scale.code in INTEGER_SCALES else ""
        raise Invalid({"value": f"{scale.label}: a number from {scale.low} to {scale.high}{whole}."})
    return value, format(value.normalize(), "f")


def record_score(
    patient,
    user,
    *,
    scale_code: str,
    checkpoint: str,
    recorded_on: date,
    today: date,
    raw_value: str | None = None,
    components: dict | None = None,
    session_id: int | None = None,
) -> OutcomeScore:
    scale = SCALES.get(scale_code)
    problems = {}
    if scale is None:
        problems["scale"] = "Choose a scale."
    if checkpoint not in CHECKPOINTS:
        problems["checkpoint"] = "Choose a checkpoint."
    if recorded_on > today:
        problems["recorded_on"] = "The date cannot be in the future."
    if problems:
        raise Invalid(problems)
    if scale.code in ("masi", "mmasi"):
        value = masi(components or {}, modified=scale.code == "mmasi")
        label = format(value, "f")
    else:
        value, label = parse_value(scale, raw_value)
        components = None
    score = OutcomeScore(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        session_id=session_id,
        scale=scale.code,
        checkpoint=checkpoint,
        recorded_on=recorded_on,
        value=value,
        label=label,
        components=components,
        recorded_by_id=user.id,
    )
    db.session.add(score)
    db.session.flush()
    record(
        "outcome.record",
        patient_id=patient.id,
        object_type="outcome_score",
        object_id=score.id,
        user=user,
        detail=f"{scale.code}={label}",
    )
    return score
