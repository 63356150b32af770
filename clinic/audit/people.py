"""Whom the audit log can name.

`audit` sits below `auth` (every feature, auth included, records events), so it cannot import the user
model. The packages that own people register how to list them here, the way features plug chart sections
into `patients.chart`.
"""

from __future__ import annotations

from collections.abc import Callable

#: clinic id -> [(user id, "Name <e-mail>")], ordered for a drop-down.
StaffLister = Callable[[int], list[tuple[int, str]]]

_staff_listers: list[StaffLister] = []


def register_staff_lister(lister: StaffLister) -> None:
    if lister not in _staff_listers:
        _staff_listers.append(lister)


def staff_choices(clinic_id: int) -> list[tuple[int, str]]:
    return [choice for lister in _staff_listers for choice in lister(clinic_id)]


#: patient ids -> {id: "Name (record number)"}: one query for a page of events.
PatientNamer = Callable[[set[int]], dict[int, str]]

_patient_namers: list[PatientNamer] = []


def register_patient_namer(namer: PatientNamer) -> None:
    if namer not in _patient_namers:
        _patient_namers.append(namer)


def patient_names(ids: set[int]) -> dict[int, str]:
    """Names for the patients an audit page mentions (an id nobody can name stays out of the result)."""
    names: dict[int, str] = {}
    for namer in _patient_namers:
        names.update(namer(ids - names.keys()) if ids - names.keys() else {})
    return names
