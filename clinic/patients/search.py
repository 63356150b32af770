"""The patient list's one search box and its allow-listed sorting.

What the box accepts, in the order it is tried:
- a date of birth: 1985-05-17 or 05/17/1985;
- an e-mail address (anything with "@"): the part typed, anywhere in the address;
- a phone number: 3+ digits with only phone punctuation, matched on the digits anywhere in the number;
- words: each word must start a first or last name, or a part of one ("ana", "smi", "ana smith",
  "smith, ana", "jones" for Smith-Jones); a single word may also start a record number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from clinic.patients.models import Patient

SORTS: dict[str, tuple] = {
    "name": (Patient.last_name, Patient.first_name),
    "dob": (Patient.date_of_birth,),
    "record": (Patient.record_number,),
    "created": (Patient.created_at,),
}
SORT_LABELS = {"name": "Name", "dob": "Date of birth", "record": "Record number", "created": "Date added"}
DEFAULT_SORT = "name"
DIRECTIONS = ("asc", "desc")
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")
PHONE_CHARS = re.compile(r"^[\d\s()+.\-]+$")


@dataclass(frozen=True)
class ListQuery:
    """What the list was asked for, cleaned: unknown sorts and directions fall back to the default."""

    q: str = ""
    sort: str = DEFAULT_SORT
    direction: str = "asc"
    archived: bool = False

    @classmethod
    def from_args(cls, args) -> ListQuery:
        sort = args.get("sort", DEFAULT_SORT)
        direction = args.get("dir", "asc")
        return cls(
            q=(args.get("q") or "").strip()[:100],
            sort=sort if sort in SORTS else DEFAULT_SORT,
            direction=direction if direction in DIRECTIONS else "asc",
            archived=args.get("archived") in ("1", "on", "true"),
        )


def parse_date(text: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _starts_a_word(column, word: str) -> sa.ColumnElement[bool]:
    """`word` starts the name or one of its parts ("ann" finds "Mary Ann", "jones" finds "Smith-Jones")."""
    return sa.or_(
        column.istartswith(word, autoescape=True),
        column.icontains(" " + word, autoescape=True),
        column.icontains("-" + word, autoescape=True),
    )


def search_condition(text: str) -> sa.ColumnElement[bool] | None:
    """The WHERE clause for the search box, or None for an empty box."""
    text = text.strip()
    if not text:
        return None
    born = parse_date(text)
    if born is not None:
        return Patient.date_of_birth == born
    if "@" in text:
        return Patient.email.contains(text.lower(), autoescape=True)
    digits = re.sub(r"\D", "", text)
    if PHONE_CHARS.match(text) and len(digits) >= 3:
        return Patient.phone_digits.contains(digits, autoescape=True)
    words = [w for w in re.split(r"[\s,]+", text) if w]
    by_name = sa.and_(
        *(sa.or_(_starts_a_word(Patient.first_name, w), _starts_a_word(Patient.last_name, w)) for w in words)
    )
    if len(words) == 1:
        return sa.or_(by_name, Patient.record_number.istartswith(words[0], autoescape=True))
    return by_name


def patient_list_query(clinic_id: int, query: ListQuery) -> sa.Select:
    """The clinic's patients matching `query`, sorted by an allow-listed column, ties broken by id."""
    select = sa.select(Patient).where(Patient.clinic_id == clinic_id)
    if not query.archived:
        select = select.where(Patient.archived_at.is_(None))
    condition = search_condition(query.q)
    if condition is not None:
        select = select.where(condition)
    columns = SORTS[query.sort]
    order = [c.desc() if query.direction == "desc" else c.asc() for c in columns]
    id_order = Patient.id.desc() if query.direction == "desc" else Patient.id.asc()
    return select.order_by(*order, id_order)
