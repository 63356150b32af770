"""Plugs the summary into the top of the patient chart (the `patients.chart` section registry): the chart
itself lives in `patients`, which may not import the features the summary reads."""

from __future__ import annotations

from clinic.chart.services import chart_summary
from clinic.clinics.services import clinic_today
from clinic.patients.chart import ChartSection, register_chart_section
from clinic.patients.models import Patient


def _summary_context(patient: Patient) -> dict:
    return {"summary": chart_summary(patient, clinic_today())}


register_chart_section(ChartSection("chart/_summary.html", order=1, context=_summary_context))
