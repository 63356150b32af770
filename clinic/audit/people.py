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
