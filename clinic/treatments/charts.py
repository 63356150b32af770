"""Server-side SVG line charts of outcome scores over time: coordinates computed here, drawn by
templates/treatments/_chart.html. No JavaScript involved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from clinic.treatments.models import OutcomeScore
from clinic.treatments.scores import SCALES

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 560, 220, 70, 20, 20, 40


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    date_label: str


@dataclass(frozen=True)
class Chart:
    scale_code: str
    title: str
    points: list[Point]
    y_ticks: list[tuple[float, str]]
    y_label: str = "Score"
    better: str = "lower"  # which way is improvement: "lower" or "higher"
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom_y: int = HEIGHT - BOTTOM

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def _y(value: float, low: float, high: float) -> float:
    span = (high - low) or 1
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - low) / span)


def build_chart(scale_code: str, scores: Sequence[OutcomeScore]) -> Chart:
    """One chart for one scale; `scores` are that scale's scores in date order."""
    scale = SCALES[scale_code]
    if scale.is_categorical:
        low, high = 1.0, float(len(scale.categories))
        ticks = [(_y(i, low, high), c) for i, c in enumerate(scale.categories, start=1)]
    else:
        values = [float(s.value) for s in scores]
        low = float(scale.low)
        high = max([float(scale.high) if scale.code in ("cea", "iga") else 0.0] + values) or 1.0
        ticks = [
            (_y(v, low, high), format(Decimal(str(round(v, 1))).normalize(), "f"))
            for v in (low, (low + high) / 2, high)
        ]
    first, last = scores[0].recorded_on, scores[-1].recorded_on
    days = max((last - first).days, 1)
    plot_width = WIDTH - LEFT - RIGHT
    points = [
        Point(
            x=LEFT + plot_width * ((s.recorded_on - first).days / days if len(scores) > 1 else 0.5),
            y=_y(float(s.value), low, high),
            label=s.label,
            date_label=s.recorded_on.strftime("%d %b %Y"),
        )
        for s in scores
    ]
    unit = f" ({scale.unit})" if scale.unit else ""
    y_label = scale.unit or ("Grade" if scale.is_categorical else f"Score, {low:g}–{float(scale.high):g}")
    return Chart(
        scale_code=scale.code,
        title=scale.label + unit,
        points=points,
        y_ticks=ticks,
        y_label=y_label,
        better="higher" if scale.unit else "lower",
    )


def charts_for(scores: Sequence[OutcomeScore]) -> list[Chart]:
    by_scale: dict[str, list[OutcomeScore]] = {}
    for score in sorted(scores, key=lambda s: (s.recorded_on, s.id)):
        by_scale.setdefault(score.scale, []).append(score)
    return [build_chart(code, by_scale[code]) for code in SCALES if code in by_scale]
