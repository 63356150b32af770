"""The chart's summary: what a dermatologist needs at a glance, gathered in one call with a fixed number of
queries (it does not grow with the patient's sessions, scores, photos or appointments).

Alerts come from the features that own the rules: the clinic's contraindication rules engine
(`catalog.rules.evaluate` through `treatments.precheck.clinic_rules`), the consents service, draft
sessions and the patient's problem threads. Nothing here re-derives a clinical rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from clinic.catalog.models import Procedure
from clinic.catalog.rules import Finding, evaluate
from clinic.consents.models import Consent
from clinic.consents.services import valid_treatment_consents
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.photos.models import Photo
from clinic.routines.problems import ProblemReport
from clinic.routines.safety import patient_routine_conflicts
from clinic.routines.stats import DayAdherence, adherence_pct, adherence_series, current_streak
from clinic.scheduling.models import Appointment, AppointmentType, Series
from clinic.treatments.models import OutcomeScore, SessionProduct, TreatmentSession
from clinic.treatments.precheck import clinic_rules
from clinic.treatments.scores import SCALES

#: A consent expiring within this many days is flagged on the chart.
CONSENT_EXPIRY_NOTICE_DAYS = 30
#: Scales on which a higher value means more hair (better); on every other scale lower is better.
HIGHER_IS_BETTER = {"density", "diameter"}
PHOTOS_SHOWN = 4
ADHERENCE_DAYS = 30


@dataclass(frozen=True)
class Alert:
    """One line of the alerts block. `level` is danger (hard stop), warning or info; `link` is an endpoint
    name with its arguments, so the template builds the URL."""

    level: str
    title: str
    text: str
    endpoint: str
    args: dict = field(default_factory=dict)
    #: A moment the text refers to as "{when}", shown in the clinic's date format by the template.
    when: date | datetime | None = None


@dataclass(frozen=True)
class ScoreTrend:
    scale_label: str
    unit: str
    latest: OutcomeScore
    previous: OutcomeScore | None

    @property
    def direction(self) -> str:
        """better, worse, same, or first (only one score on this scale)."""
        if self.previous is None:
            return "first"
        if self.latest.value == self.previous.value:
            return "same"
        rising = self.latest.value > self.previous.value
        higher_better = self.latest.scale in HIGHER_IS_BETTER
        return "better" if rising == higher_better else "worse"


@dataclass(frozen=True)
class SeriesProgress:
    series: Series
    procedure_name: str
    done: int
    planned: int
    due_from: date | None
    due_until: date | None

    @property
    def due_label(self) -> str:
        """The window of the next session as a person writes it: "11–25 Dec", "28 Nov – 12 Dec"."""
        start, end = self.due_from, self.due_until
        if start is None:
            return ""
        if end is None or end == start:
            return f"{start.day} {start:%b}"
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}–{end.day} {end:%b}"
        return f"{start.day} {start:%b} – {end.day} {end:%b}"


@dataclass(frozen=True)
class ChartSummary:
    alerts: list[Alert]
    next_appointment: Appointment | None
    series: list[SeriesProgress]
    last_session: TreatmentSession | None
    unsigned_sessions: int
    adherence_pct: int | None
    adherence_streak: int
    adherence_days: list[DayAdherence]
    has_routine: bool
    scores: list[ScoreTrend]
    photos: list[Photo]

    @property
    def hard_stops(self) -> int:
        return sum(a.level == "danger" for a in self.alerts)


def _history_alerts(patient: Patient, today: date) -> list[Alert]:
    if patient.history is None:
        return [
            Alert(
                "warning",
                "No medical history",
                "Record it before the first session.",
                "patients.history",
                {"patient_id": patient.id},
            )
        ]
    findings: list[Finding] = evaluate(
        clinic_rules(patient.clinic_id), history=patient.history, patient=patient, products=(), on=today
    )
    alerts = [
        Alert(
            "danger" if f.is_hard_stop else "warning",
            f.reason.rstrip("."),
            "",
            "patients.chart",
            {"patient_id": patient.id, "_anchor": "history"},
        )
        for f in sorted(findings, key=lambda f: not f.is_hard_stop)
    ]
    if patient.allergies and patient.allergies.strip():
        alerts.append(
            Alert(
                "warning",
                "Allergies",
                patient.allergies.strip(),
                "patients.chart",
                {"patient_id": patient.id, "_anchor": "profile-heading"},
            )
        )
    return alerts


def _routine_alerts(patient: Patient, today: date) -> list[Alert]:
    """Home steps that the patient's history now rules out (issue 12): a hard stop refuses the step, a
    warning needs a reason recorded on the routine page; both link there."""
    return [
        Alert(
            "danger" if conflict.is_hard_stop else "warning",
            f"Home step: {conflict.step.name}",
            conflict.finding.reason.rstrip("."),
            "routines.patient_routine",
            {"patient_id": patient.id},
        )
        for conflict in sorted(patient_routine_conflicts(patient, today), key=lambda c: not c.is_hard_stop)
    ]


def _consent_alerts(patient: Patient, procedures: list[Procedure], now: datetime) -> list[Alert]:
    """A planned procedure (next appointment, active series) that needs a consent and has none, and any valid
    consent that runs out soon."""
    valid: list[Consent] = list(valid_treatment_consents(patient.id, now))
    covered = {c.procedure_id for c in valid}
    alerts = [
        Alert(
            "danger",
            "Consent missing",
            f"No valid consent for {p.name}: the session cannot start without one.",
            "consents.patient_consents",
            {"patient_id": patient.id},
        )
        for p in {p.id: p for p in procedures}.values()
        if p.requires_consent and p.id not in covered
    ]
    soon = now + timedelta(days=CONSENT_EXPIRY_NOTICE_DAYS)
    alerts += [
        Alert(
            "warning",
            "Consent expiring",
            f"{c.title} expires on {{when}}.",
            "consents.patient_consents",
            {"patient_id": patient.id},
            c.expires_at,
        )
        for c in valid
        if c.expires_at <= soon
    ]
    return alerts


def _open_problem_alerts(patient: Patient) -> list[Alert]:
    """Threads whose last word is the patient's: nobody from the clinic has answered yet."""
    reports = db.session.scalars(
        sa.select(ProblemReport)
        .where(ProblemReport.patient_id == patient.id)
        .order_by(ProblemReport.reported_at.desc())
        .limit(20)
    ).all()
    return [
        Alert(
            "warning",
            "Problem reported",
            f"“{_excerpt(r.message)}” (sent {{when}}), not answered yet.",
            "routines.problem_thread",
            {"report_id": r.id},
            r.reported_at,
        )
        for r in reports
        if not r.replies or r.replies[-1].from_patient
    ]


def _excerpt(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _next_appointment(patient: Patient, now: datetime) -> Appointment | None:
    return (
        db.session.scalars(
            sa.select(Appointment)
            .where(
                Appointment.patient_id == patient.id,
                Appointment.starts_at >= now - timedelta(hours=12),
                Appointment.status.in_(("booked", "checked_in")),
            )
            .options(
                joinedload(Appointment.provider),
                joinedload(Appointment.room),
                joinedload(Appointment.appointment_type).joinedload(AppointmentType.procedure),
                joinedload(Appointment.series),
            )
            .order_by(Appointment.starts_at)
            .limit(1)
        )
        .unique()
        .first()
    )


def _active_series(patient: Patient) -> list[SeriesProgress]:
    rows = db.session.scalars(
        sa.select(Series)
        .where(Series.patient_id == patient.id, Series.status == "active")
        .options(
            selectinload(Series.protocol),
            selectinload(Series.appointment_type).selectinload(AppointmentType.procedure),
        )
        .order_by(Series.created_at.desc(), Series.id.desc())
    ).all()
    return [
        SeriesProgress(
            series=s,
            procedure_name=s.appointment_type.name,
            done=s.sessions_done,
            planned=s.package_sessions,
            due_from=s.next_due_on,
            due_until=s.window_closes_on,
        )
        for s in rows
    ]


def _last_session(patient: Patient) -> TreatmentSession | None:
    return db.session.scalars(
        sa.select(TreatmentSession)
        .where(TreatmentSession.patient_id == patient.id)
        .options(
            selectinload(TreatmentSession.procedure),
            selectinload(TreatmentSession.provider),
            selectinload(TreatmentSession.signed_by),
            selectinload(TreatmentSession.products).selectinload(SessionProduct.product),
        )
        .order_by(TreatmentSession.started_at.desc(), TreatmentSession.id.desc())
        .limit(1)
    ).first()


def _unsigned_count(patient: Patient) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(TreatmentSession)
        .where(TreatmentSession.patient_id == patient.id, TreatmentSession.status == "draft")
    )


def _score_trends(patient: Patient) -> list[ScoreTrend]:
    """The latest and the one before on each scale: the two newest rows per scale, ranked in SQL."""
    rank = (
        sa.func.row_number()
        .over(
            partition_by=OutcomeScore.scale,
            order_by=(OutcomeScore.recorded_on.desc(), OutcomeScore.id.desc()),
        )
        .label("rank")
    )
    ranked = sa.select(OutcomeScore.id, rank).where(OutcomeScore.patient_id == patient.id).subquery()
    rows = db.session.scalars(
        sa.select(OutcomeScore)
        .join(ranked, ranked.c.id == OutcomeScore.id)
        .where(ranked.c.rank <= 2)
        .order_by(OutcomeScore.scale, OutcomeScore.recorded_on.desc(), OutcomeScore.id.desc())
    ).all()
    by_scale: dict[str, list[OutcomeScore]] = {}
    for row in rows:
        by_scale.setdefault(row.scale, []).append(row)
    trends = []
    for code, scale in SCALES.items():
        pair = by_scale.get(code)
        if pair:
            trends.append(ScoreTrend(scale.label, scale.unit, pair[0], pair[1] if len(pair) > 1 else None))
    return trends


def _newest_photos(patient: Patient) -> list[Photo]:
    return list(
        db.session.scalars(
            sa.select(Photo)
            .where(Photo.patient_id == patient.id)
            .order_by(Photo.taken_on.desc(), Photo.id.desc())
            .limit(PHOTOS_SHOWN)
        )
    )


def chart_summary(patient: Patient, today: date, now: datetime | None = None) -> ChartSummary:
    """Everything the top of the chart shows, for `today` (the clinic's date) and `now` (UTC)."""
    now = now or datetime.now(UTC)
    next_appointment = _next_appointment(patient, now)
    series = _active_series(patient)
    planned = [s.series.appointment_type.procedure for s in series]
    if next_appointment is not None:
        planned.insert(0, next_appointment.appointment_type.procedure)
    unsigned = _unsigned_count(patient)
    alerts = _history_alerts(patient, today) + _routine_alerts(patient, today)
    alerts += _consent_alerts(patient, planned, now)
    if unsigned:
        alerts.append(
            Alert(
                "warning",
                "Unsigned session" + ("s" if unsigned > 1 else ""),
                f"{unsigned} session record{'s' if unsigned > 1 else ''} still a draft: a dermatologist signs it.",
                "treatments.patient_treatments",
                {"patient_id": patient.id},
            )
        )
    alerts += _open_problem_alerts(patient)
    days = adherence_series(patient.id, today, days=ADHERENCE_DAYS)
    return ChartSummary(
        alerts=alerts,
        next_appointment=next_appointment,
        series=series,
        last_session=_last_session(patient),
        unsigned_sessions=unsigned,
        adherence_pct=adherence_pct([d for d in days if d.day < today]),
        adherence_streak=current_streak(days, today),
        adherence_days=days,
        has_routine=any(d.expected for d in days),
        scores=_score_trends(patient),
        photos=_newest_photos(patient),
    )
