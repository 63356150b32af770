"""Outcome scales: MASI/mMASI arithmetic against hand-computed cases, range checks, charts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from clinic.treatments.scores import SCALES, masi, parse_value
from clinic.validation import Invalid


def regions(**values) -> dict:
    """values: region=(area, darkness, homogeneity)."""
    base = {r: (0, 0, 0) for r in ("forehead", "right_malar", "left_malar", "chin")}
    base.update(values)
    return {r: {"area": a, "darkness": d, "homogeneity": h} for r, (a, d, h) in base.items()}


@pytest.mark.parametrize(
    "components, expected_masi, expected_mmasi",
    [
        (regions(), "0.0", "0.0"),
        # forehead 0.3 × 2 × (3 + 2) = 3.0; mMASI 0.3 × 2 × 3 = 1.8
        (regions(forehead=(2, 3, 2)), "3.0", "1.8"),
        # 0.3×3×(2+1)=2.7 + 0.3×4×(3+2)=6.0 + 0.3×4×(3+3)=7.2 + 0.1×2×(1+1)=0.4 → 16.3
        # mMASI: 0.3×3×2=1.8 + 0.3×4×3=3.6 + 0.3×4×3=3.6 + 0.1×2×1=0.2 → 9.2
        (
            regions(forehead=(3, 2, 1), right_malar=(4, 3, 2), left_malar=(4, 3, 3), chin=(2, 1, 1)),
            "16.3",
            "9.2",
        ),
        # Maximum: 0.3×6×8×3 + 0.1×6×8 = 43.2 + 4.8 = 48; mMASI 0.3×6×4×3 + 0.1×6×4 = 21.6 + 2.4 = 24
        (
            regions(forehead=(6, 4, 4), right_malar=(6, 4, 4), left_malar=(6, 4, 4), chin=(6, 4, 4)),
            "48.0",
            "24.0",
        ),
        # Chin only: 0.1 × 5 × (4 + 3) = 3.5; mMASI 0.1 × 5 × 4 = 2.0
        (regions(chin=(5, 4, 3)), "3.5", "2.0"),
    ],
)
def test_masi_and_mmasi_match_hand_computation(components, expected_masi, expected_mmasi):
    assert masi(components) == Decimal(expected_masi)
    assert masi(components, modified=True) == Decimal(expected_mmasi)


@pytest.mark.parametrize(
    "bad, problem",
    [
        (regions(forehead=(7, 1, 1)), "forehead_area"),
        (regions(chin=(1, 5, 1)), "chin_darkness"),
        (regions(left_malar=(1, 1, -1)), "left_malar_homogeneity"),
    ],
)
def test_masi_components_out_of_range(bad, problem):
    with pytest.raises(Invalid) as invalid:
        masi(bad)
    assert problem in invalid.value.problems


def test_mmasi_does_not_need_homogeneity():
    components = {r: {"area": 1, "darkness": 2} for r in ("forehead", "right_malar", "left_malar", "chin")}
    assert masi(components, modified=True) == Decimal("2.0")  # (0.3×3 + 0.1) × 1 × 2
    with pytest.raises(Invalid):
        masi(components)


@pytest.mark.parametrize(
    "scale, raw, value, label",
    [
        ("glogau", "iii", 3, "III"),
        ("norwood", "IIIvertex", 6, "IIIvertex"),
        ("norwood", "VII", 12, "VII"),
        ("ludwig", "II", 2, "II"),
        ("density", "142.5", Decimal("142.5"), "142.5"),
        ("diameter", "68", 68, "68"),
        ("cea", "0", 0, "0"),
        ("iga", "4", 4, "4"),
    ],
)
def test_valid_values(scale, raw, value, label):
    assert parse_value(SCALES[scale], raw) == (Decimal(value), label)


@pytest.mark.parametrize(
    "scale, raw",
    [
        ("glogau", "V"),
        ("norwood", "VIII"),
        ("ludwig", "IV"),
        ("density", "-1"),
        ("density", "abc"),
        ("diameter", "250"),
        ("cea", "5"),
        ("iga", "2.5"),
        ("iga", "NaN"),
        ("cea", ""),
    ],
)
def test_out_of_range_values_are_refused(scale, raw):
    with pytest.raises(Invalid):
        parse_value(SCALES[scale], raw)


def test_record_score_refuses_future_dates_and_records_masi(app):
    from clinic.treatments.scores import record_score
    from tests.factories import make_patient, make_user

    derm, patient = make_user("dermatologist"), make_patient()
    with pytest.raises(Invalid) as invalid:
        record_score(
            patient,
            derm,
            scale_code="iga",
            checkpoint="baseline",
            recorded_on=date(2026, 12, 2),
            today=date(2026, 12, 1),
            raw_value="2",
        )
    assert "recorded_on" in invalid.value.problems
    score = record_score(
        patient,
        derm,
        scale_code="masi",
        checkpoint="3m",
        recorded_on=date(2026, 12, 1),
        today=date(2026, 12, 1),
        components=regions(forehead=(2, 3, 2)),
    )
    assert (score.value, score.label) == (Decimal("3.0"), "3.0")


def test_chart_points_follow_dates_and_values(app):
    from types import SimpleNamespace

    from clinic.treatments.charts import charts_for

    scores = [
        SimpleNamespace(id=i, scale="iga", recorded_on=d, value=Decimal(v), label=str(v))
        for i, (d, v) in enumerate([(date(2026, 1, 1), 4), (date(2026, 4, 1), 2), (date(2026, 7, 1), 1)])
    ]
    (chart,) = charts_for(scores)
    xs = [p.x for p in chart.points]
    ys = [p.y for p in chart.points]
    assert xs == sorted(xs) and xs[0] < xs[-1]
    assert ys == sorted(ys)  # lower score → lower on the chart → larger y
