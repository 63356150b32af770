"""One CSV row of the patient layout -> PatientDetails, checked by the same form that creates a patient on the
patient pages (`PatientForm`: required names, date of birth not in the future and from 1900 on, e-mail
syntax, phone characters, known time zone, sex, Fitzpatrick type, concerns), so an import cannot store what the
page would refuse. Spellings a spreadsheet is likely to hold are mapped to the form's values first: "Hair loss"
for `hair_loss`, "III" for Fitzpatrick 3, "F" for female.
"""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from clinic.patients.forms import PatientForm
from clinic.patients.models import CONCERNS, FITZPATRICK, SEXES
from clinic.patients.services import PatientDetails

#: The documented layout (README, "Import from another system"), in the order of a template file.
COLUMNS = (
    "external_id",
    "first_name",
    "last_name",
    "name",
    "date_of_birth",
    "sex",
    "email",
    "phone",
    "address",
    "timezone",
    "fitzpatrick",
    "concerns",
    "allergies",
    "medications",
)
#: Other header spellings for the same columns (after `reading.column_key`).
ALIASES = {
    "id": "external_id",
    "patient_id": "external_id",
    "full_name": "name",
    "dob": "date_of_birth",
    "birth_date": "date_of_birth",
    "birthdate": "date_of_birth",
    "gender": "sex",
    "time_zone": "timezone",
    "fitzpatrick_type": "fitzpatrick",
    "skin_type": "fitzpatrick",
}
MAX_EXTERNAL_ID = 64
LIST_SEPARATORS = re.compile(r"\s*[|,;]\s*")
_SEXES = {**{k: k for k in SEXES}, **{v.lower(): k for k, v in SEXES.items()}, "f": "female", "m": "male"}
_CONCERNS = {**{k: k for k in CONCERNS}, **{v.lower(): k for k, v in CONCERNS.items()}}
_FITZPATRICK = {**{str(k): str(k) for k in FITZPATRICK}, **{v.lower(): str(k) for k, v in FITZPATRICK.items()}}


def split_name(name: str) -> tuple[str, str]:
    """ "Okoro, Nadia" -> ("Nadia", "Okoro"); "Nadia Okoro" and "Anna Maria Rossi" split before the last word."""
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip(), last.strip()
    first, _, last = name.strip().rpartition(" ")
    return first.strip(), last.strip()


def _mapped(value: str, table: dict[str, str]) -> str:
    """The form's value for a spelling in `table`; unknown spellings pass through for the form to refuse."""
    return table.get(value.strip().lower(), value)


def form_data(cells: dict[str, str], default_timezone: str) -> MultiDict:
    """The row as the patient form's posted data."""
    first, last = cells.get("first_name", ""), cells.get("last_name", "")
    if not (first or last) and cells.get("name"):
        first, last = split_name(cells["name"])
    data = MultiDict(
        {
            "first_name": first,
            "last_name": last,
            "date_of_birth": cells.get("date_of_birth", ""),
            "sex": _mapped(cells.get("sex") or "unknown", _SEXES),
            "email": cells.get("email", ""),
            "phone": cells.get("phone", ""),
            "address": cells.get("address", ""),
            "timezone": cells.get("timezone") or default_timezone,
            "fitzpatrick": _mapped(cells.get("fitzpatrick", ""), _FITZPATRICK),
            "allergies": cells.get("allergies", ""),
            "medications": cells.get("medications", ""),
        }
    )
    concerns = [c for c in LIST_SEPARATORS.split(cells.get("concerns", "")) if c]
    data.setlist("concerns", [_mapped(c, _CONCERNS) for c in concerns])
    return data


def new_form() -> PatientForm:
    """A patient form without CSRF (rows are not posted by a browser), to check row after row."""
    return PatientForm(formdata=None, meta={"csrf": False})


def row_details(
    cells: dict[str, str], default_timezone: str, form: PatientForm | None = None
) -> tuple[PatientDetails | None, list[str]]:
    """(details, []) for a valid row, (None, reasons) otherwise; a reason names the column it is about.

    Pass the same `form` for every row of a file: it is re-filled for each (building one per row costs as much
    as checking it)."""
    reasons = []
    if not cells.get("external_id"):
        reasons.append("external_id: missing (every imported patient needs the id of the system it comes from).")
    elif len(cells["external_id"]) > MAX_EXTERNAL_ID:
        reasons.append(f"external_id: longer than {MAX_EXTERNAL_ID} characters.")
    form = form or new_form()
    form.process(formdata=form_data(cells, default_timezone))
    if not form.validate():
        for name, errors in form.errors.items():
            reasons += [f"{_column(name)}: {_reason(name, error, form)}" for error in errors]
    return (None, list(dict.fromkeys(reasons))) if reasons else (form.details(), [])


def _column(field: str) -> str:
    return "name" if field in ("first_name", "last_name") else field


def _reason(field: str, error: str, form: PatientForm) -> str:
    """The form's message, with what the row held where the form's wording assumes a drop-down."""
    if field == "concerns":
        unknown = [c for c in form.concerns.data or [] if c not in CONCERNS]
        return f"unknown concern {', '.join(unknown)} (known: {', '.join(CONCERNS)})."
    if field == "date_of_birth" and not form.date_of_birth.data:
        return f"{error} Write it as YYYY-MM-DD."
    if field in ("sex", "fitzpatrick"):
        allowed = SEXES if field == "sex" else FITZPATRICK.values()
        return f"{getattr(form, field).data!r} is not one of {', '.join(allowed)}."
    if field in ("first_name", "last_name") and error.startswith("This field is required"):
        return f"{form[field].label.text.lower()} missing."
    return error
