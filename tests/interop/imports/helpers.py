"""Building import files in tests."""

from __future__ import annotations

HEADER = "external_id,first_name,last_name,date_of_birth,sex,email,phone,timezone,fitzpatrick,concerns,allergies"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def row(external_id: str = "A1", **cells: str) -> str:
    values = {
        "first_name": "Ana",
        "last_name": "Silva",
        "date_of_birth": "1980-01-02",
        "sex": "female",
        "email": f"{external_id.lower()}@example.com",
        "phone": "555-010-2233",
        "timezone": "Europe/Lisbon",
        "fitzpatrick": "III",
        "concerns": "aging|Hair loss",
        "allergies": "",
    }
    values.update(cells)
    return ",".join([external_id, *values.values()])
