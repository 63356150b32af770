"""The chart page's sections. Other features add theirs here instead of editing the chart template.

A section is a template (rendered with `patient` and whatever its `context` function returns) shown in
`order`. For example, treatments would register from its own module, imported by its blueprint:

    register_chart_section(ChartSection("treatments/_chart_sessions.html", order=40,
                                        context=lambda patient: {"sessions": recent_sessions(patient)}))

Sections load their own data, each with a bounded number of queries (selectinload what they show).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clinic.patients.models import Patient


@dataclass(frozen=True)
class ChartSection:
    template: str
    order: int = 50
    context: Callable[[Patient], dict] | None = None


_SECTIONS: dict[str, ChartSection] = {}


def register_chart_section(section: ChartSection) -> None:
    """Add (or replace, by template name) a chart section; safe to call again on app re-creation."""
    _SECTIONS[section.template] = section


def chart_sections(patient: Patient) -> list[tuple[str, dict]]:
    """(template, extra context) of every registered section, in order."""
    return [
        (s.template, s.context(patient) if s.context else {})
        for s in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.template))
    ]


register_chart_section(ChartSection("patients/_chart_profile.html", order=10))
register_chart_section(ChartSection("patients/_chart_history.html", order=20))
