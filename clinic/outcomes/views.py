"""The clinic outcomes report (page and CSV) and the chart's outcomes-and-adherence trend."""

from __future__ import annotations

import io
from itertools import groupby

from flask import Blueprint, Response, render_template
from flask_login import current_user

from clinic.access import role_required
from clinic.audit.services import record
from clinic.clinics.services import clinic_today
from clinic.exports import CsvWriter
from clinic.outcomes.report import BANDS, MIN_CELL, outcome_report
from clinic.outcomes.services import monthly_trend
from clinic.patients.chart import ChartSection, register_chart_section
from clinic.roles import Role
from clinic.treatments.scores import SCALES

bp = Blueprint("outcomes", __name__)


@bp.get("/outcomes")
@role_required(Role.ADMIN, Role.DERMATOLOGIST)
def report():
    cells = outcome_report(current_user.clinic_id)
    record("outcomes.report", detail=f"{len(cells)} cells")
    cohorts = []
    for (kind, _id, name), group in groupby(cells, key=lambda c: (c.cohort_kind, c.cohort_id, c.cohort_name)):
        lines = []
        for _line, line_cells in groupby(group, key=lambda c: (c.scale, c.checkpoint)):
            by_band = {c.band: c for c in line_cells}
            lines.append((next(iter(by_band.values())), by_band))
        cohorts.append((kind, name, lines))
    return render_template("outcomes/report.html", cohorts=cohorts, bands=BANDS, min_cell=MIN_CELL)


@bp.get("/outcomes.csv")
@role_required(Role.ADMIN, Role.DERMATOLOGIST)
def report_csv():
    cells = outcome_report(current_user.clinic_id)
    record("outcomes.export", detail=f"{len(cells)} cells")
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(["cohort_type", "cohort", "scale", "checkpoint", "adherence", "patients", "mean_change"])
    for c in cells:
        writer.writerow(
            [
                c.cohort_kind,
                c.cohort_name,
                c.scale_label,
                c.checkpoint_label,
                BANDS[c.band],
                f"fewer than {MIN_CELL}" if c.suppressed else c.patients,
                "" if c.suppressed else c.mean_change,
            ]
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=outcomes.csv", "Cache-Control": "private, no-store"},
    )


def _chart_context(patient) -> dict:
    scales, months = monthly_trend(patient, clinic_today())
    return {"scales": scales, "months": months, "labels": {code: SCALES[code].label for code in scales}}


register_chart_section(ChartSection("outcomes/_chart_trend.html", order=35, context=_chart_context))
