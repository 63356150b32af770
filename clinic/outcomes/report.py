"""The clinic outcomes report, in SQL: for each protocol and each exosome product, the change of each scale
from baseline at the 3/6/9-month checkpoints, by home-routine adherence between the two scores.

- A patient belongs to a protocol when they have a series of it, and to a product when a signed session of
  theirs used it (a product tagged `exosome`).
- Per patient, scale and checkpoint the latest score counts; change = checkpoint value − baseline value
  (categorical scales such as Glogau count in steps).
- Adherence between the baseline and the checkpoint date: done ticks ÷ expected uses, expected as in the
  clinic's lowest-adherence list (uses per week ÷ 7 × days the step was active; pauses not subtracted),
  capped at 100%. Patients without a home routine in that time form their own band.
- A cell of fewer than `MIN_CELL` patients shows neither its count nor its mean (small-number suppression).
  No "all patients" total is shown: with it, a suppressed cell could be worked out by subtraction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from clinic.catalog.models import Product, ProductTag, Protocol
from clinic.extensions import db
from clinic.routines.clinic_stats import days_between
from clinic.routines.models import AdherenceLog, Routine, RoutineStep
from clinic.scheduling.models import Series
from clinic.treatments.models import OutcomeScore, SessionProduct, TreatmentSession
from clinic.treatments.scores import CHECKPOINTS, SCALES

MIN_CELL = 5
REPORT_CHECKPOINTS = ("3m", "6m", "9m")
BANDS: dict[str, str] = {
    "low": "below 50%",
    "mid": "50–80%",
    "high": "above 80%",
    "none": "no home routine",
}


@dataclass(frozen=True)
class Cell:
    cohort_kind: str  # protocol | product
    cohort_id: int
    cohort_name: str
    scale: str
    checkpoint: str
    band: str
    patients: int | None  # None when suppressed
    mean_change: Decimal | None

    @property
    def suppressed(self) -> bool:
        return self.patients is None

    @property
    def scale_label(self) -> str:
        return SCALES[self.scale].label if self.scale in SCALES else self.scale

    @property
    def checkpoint_label(self) -> str:
        return CHECKPOINTS.get(self.checkpoint, self.checkpoint)


def _later(a, b):
    return sa.case((a > b, a), else_=b)


def _earlier(a, b):
    return sa.case((a < b, a), else_=b)


def _latest_scores(clinic_id: int):
    order = sa.func.row_number().over(
        partition_by=(OutcomeScore.patient_id, OutcomeScore.scale, OutcomeScore.checkpoint),
        order_by=(OutcomeScore.recorded_on.desc(), OutcomeScore.id.desc()),
    )
    ranked = (
        sa.select(
            OutcomeScore.patient_id,
            OutcomeScore.scale,
            OutcomeScore.checkpoint,
            OutcomeScore.recorded_on,
            OutcomeScore.value,
            order.label("rank"),
        )
        .where(OutcomeScore.clinic_id == clinic_id, OutcomeScore.checkpoint.in_(("baseline", *REPORT_CHECKPOINTS)))
        .subquery()
    )
    return sa.select(ranked).where(ranked.c.rank == 1).subquery()


def _pairs(clinic_id: int):
    """(patient, scale, checkpoint, baseline date, checkpoint date, change) per patient with both scores."""
    latest = _latest_scores(clinic_id)
    base, point = latest.alias("base"), latest.alias("point")
    return (
        sa.select(
            base.c.patient_id,
            base.c.scale,
            point.c.checkpoint,
            base.c.recorded_on.label("start_on"),
            point.c.recorded_on.label("end_on"),
            (point.c.value - base.c.value).label("change"),
        )
        .join(point, sa.and_(point.c.patient_id == base.c.patient_id, point.c.scale == base.c.scale))
        .where(base.c.checkpoint == "baseline", point.c.checkpoint.in_(REPORT_CHECKPOINTS))
        .where(point.c.recorded_on >= base.c.recorded_on)
        .subquery("pairs")
    )


def _banded(clinic_id: int):
    pairs = _pairs(clinic_id)
    key = (pairs.c.patient_id, pairs.c.scale, pairs.c.checkpoint)
    weekly = sa.case(
        (RoutineStep.frequency == "daily", 7.0),
        (RoutineStep.frequency == "every_other_day", 3.5),
        else_=sa.func.length(sa.func.coalesce(RoutineStep.weekdays, "")) * 1.0,
    )
    step_end = sa.func.coalesce(RoutineStep.ends_on, Routine.ends_on, pairs.c.end_on)
    active_days = days_between(_later(Routine.starts_on, pairs.c.start_on), _earlier(step_end, pairs.c.end_on)) + 1
    expected = (
        sa.select(*key, sa.func.sum(weekly / 7.0 * active_days).label("expected"))
        .select_from(pairs)
        .join(Routine, Routine.patient_id == pairs.c.patient_id)
        .join(RoutineStep, RoutineStep.routine_id == Routine.id)
        .where(
            RoutineStep.aftercare_id.is_(None),
            Routine.starts_on <= pairs.c.end_on,
            step_end >= pairs.c.start_on,
        )
        .group_by(*key)
        .subquery("expected")
    )
    done = (
        sa.select(*key, sa.func.count(AdherenceLog.id).label("done"))
        .select_from(pairs)
        .join(
            AdherenceLog,
            sa.and_(
                AdherenceLog.patient_id == pairs.c.patient_id,
                AdherenceLog.status == "done",
                AdherenceLog.local_date >= pairs.c.start_on,
                AdherenceLog.local_date <= pairs.c.end_on,
            ),
        )
        .group_by(*key)
        .subquery("done")
    )

    def same(sub):
        return sa.and_(
            sub.c.patient_id == pairs.c.patient_id, sub.c.scale == pairs.c.scale, sub.c.checkpoint == pairs.c.checkpoint
        )

    ratio = sa.func.coalesce(done.c.done, 0) * 1.0 / expected.c.expected
    band = sa.case(
        (sa.func.coalesce(expected.c.expected, 0) <= 0, "none"),
        (ratio < 0.5, "low"),
        (ratio <= 0.8, "mid"),
        else_="high",
    )
    return (
        sa.select(*key, pairs.c.change, band.label("band"))
        .select_from(pairs)
        .outerjoin(expected, same(expected))
        .outerjoin(done, same(done))
        .subquery("banded")
    )


def _cohorts(clinic_id: int):
    protocols = (
        sa.select(
            Series.patient_id.label("patient_id"),
            sa.literal("protocol").label("kind"),
            Protocol.id.label("cohort_id"),
            Protocol.name.label("name"),
        )
        .join(Protocol, Protocol.id == Series.protocol_id)
        .where(Series.clinic_id == clinic_id)
    )
    products = (
        sa.select(
            TreatmentSession.patient_id,
            sa.literal("product"),
            Product.id,
            Product.name,
        )
        .select_from(SessionProduct)
        .join(TreatmentSession, TreatmentSession.id == SessionProduct.session_id)
        .join(Product, Product.id == SessionProduct.product_id)
        .join(ProductTag, sa.and_(ProductTag.product_id == Product.id, ProductTag.tag == "exosome"))
        .where(TreatmentSession.clinic_id == clinic_id, TreatmentSession.status == "signed")
    )
    return sa.union(protocols, products).subquery("cohorts")  # UNION: one row per patient and cohort


def outcome_report(clinic_id: int) -> list[Cell]:
    """Every non-empty cell, ordered by cohort, scale, checkpoint and band; small cells suppressed in SQL."""
    banded, cohorts = _banded(clinic_id), _cohorts(clinic_id)
    patients = sa.func.count(sa.distinct(banded.c.patient_id))
    shown = patients >= MIN_CELL
    rows = db.session.execute(
        sa.select(
            cohorts.c.kind,
            cohorts.c.cohort_id,
            cohorts.c.name,
            banded.c.scale,
            banded.c.checkpoint,
            banded.c.band,
            sa.case((shown, patients)),
            sa.case((shown, sa.func.avg(banded.c.change))),
        )
        .join(cohorts, cohorts.c.patient_id == banded.c.patient_id)
        .group_by(
            cohorts.c.kind, cohorts.c.cohort_id, cohorts.c.name, banded.c.scale, banded.c.checkpoint, banded.c.band
        )
        .order_by(cohorts.c.kind.desc(), cohorts.c.name, cohorts.c.cohort_id, banded.c.scale, banded.c.checkpoint)
    ).all()
    order = list(BANDS)
    cells = [Cell(r[0], r[1], r[2], r[3], r[4], r[5], r[6], None if r[7] is None else _round(r[7])) for r in rows]
    return sorted(
        cells,
        key=lambda c: (
            c.cohort_kind != "protocol",
            c.cohort_name,
            c.cohort_id,
            c.scale,
            c.checkpoint,
            order.index(c.band),
        ),
    )


def _round(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
