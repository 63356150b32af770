"""What the treatments page modules share: the chart section and the stale-form message."""

from __future__ import annotations

from clinic.patients.chart import ChartSection, register_chart_section

register_chart_section(ChartSection("treatments/_chart_section.html", order=22))
STALE = "Someone else saved or signed this session meanwhile. Reload it and make your change again."
