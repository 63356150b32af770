"""A patient's outcome scores month by month next to the home routine's adherence (chart), and the same
scores in plain words for the patient (portal)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.routines.stats import adherence_pct, adherence_series
from clinic.treatments.models import OutcomeScore
from clinic.treatments.scores import SCALES

#: How many months the chart's trend goes back at most.
TREND_MONTHS = 12
#: Scales where a higher number is better (hair density and shaft diameter); lower is better for the rest.
HIGHER_IS_BETTER = {"density", "diameter"}
#: What each scale measures, for the patient.
PLAIN_NAMES = {
    "glogau": _l("Signs of sun and age on the skin (Glogau, I to IV)"),
    "norwood": _l("Hair loss pattern (Hamilton–Norwood)"),
    "ludwig": _l("Hair thinning pattern (Ludwig, I to III)"),
    "density": _l("Hair density (hairs per cm²)"),
    "diameter": _l("Hair thickness (µm)"),
    "masi": _l("Melasma (dark patches) score, 0 to 48"),
    "mmasi": _l("Melasma (dark patches) score, 0 to 24"),
    "cea": _l("Redness, 0 to 4"),
    "iga": _l("Overall skin score, 0 (clear) to 4 (severe)"),
}


@dataclass(frozen=True)
class MonthRow:
    month: date
    adherence: int | None  # % of planned home steps done that month
    scores: dict[str, str]  # scale → last label recorded that month


def _scores(patient_id: int) -> list[OutcomeScore]:
    return list(
        db.session.scalars(
            sa.select(OutcomeScore)
            .where(OutcomeScore.patient_id == patient_id)
            .order_by(OutcomeScore.recorded_on, OutcomeScore.id)
        )
    )


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def monthly_trend(patient: Patient, today: date) -> tuple[list[str], list[MonthRow]]:
    """(scales shown, one row per month) from the first score (at most `TREND_MONTHS` back) to this month."""
    scores = _scores(patient.id)
    if not scores:
        return [], []
    first = max(_month_start(scores[0].recorded_on), _month_start(today, TREND_MONTHS - 1))
    days = adherence_series(patient.id, today, days=(today - first).days + 1)
    scales = sorted({s.scale for s in scores}, key=list(SCALES).index)
    rows = []
    month = first
    while month <= today:
        following = _month_start(month + timedelta(days=31))
        in_month = [d for d in days if month <= d.day < following]
        labels = {s.scale: s.label for s in scores if month <= s.recorded_on < following}
        rows.append(MonthRow(month, adherence_pct(in_month), labels))
        month = following
    return scales, rows


@dataclass(frozen=True)
class Progress:
    scale: str
    name: str
    first: OutcomeScore
    latest: OutcomeScore
    history: list[OutcomeScore]

    @property
    def direction(self) -> str:
        """better | worse | same, comparing the latest score with the first."""
        change = Decimal(self.latest.value) - Decimal(self.first.value)
        if change == 0 or self.latest is self.first:
            return "same"
        better = change > 0 if self.scale in HIGHER_IS_BETTER else change < 0
        return "better" if better else "worse"


def patient_progress(patient_id: int) -> list[Progress]:
    by_scale: dict[str, list[OutcomeScore]] = {}
    for score in _scores(patient_id):
        by_scale.setdefault(score.scale, []).append(score)
    return [
        Progress(scale, str(PLAIN_NAMES.get(scale, scale)), rows[0], rows[-1], rows)
        for scale, rows in sorted(by_scale.items(), key=lambda item: list(SCALES).index(item[0]))
    ]
