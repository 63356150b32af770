"""The four roles of DOMAIN.md and the groups views use."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    DERMATOLOGIST = "dermatologist"
    AESTHETICIAN = "aesthetician"
    PATIENT = "patient"

    @property
    def label(self) -> str:
        return self.value.capitalize()


#: People who treat and look after patients; they may open charts. Admins manage the system, not charts.
CLINICAL_STAFF = (Role.DERMATOLOGIST, Role.AESTHETICIAN)
STAFF = (Role.ADMIN, Role.DERMATOLOGIST, Role.AESTHETICIAN)
