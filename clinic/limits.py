"""Limits on what a request may carry: body size, integers in paths and query strings, calendar dates.

- Bodies: `MAX_CONTENT_LENGTH` (1 MiB) for every request; endpoints listed in `UPLOAD_ENDPOINTS` may carry
  a photo (`CLINIC_PHOTO_MAX_BYTES`) or an import file (`CLINIC_IMPORT_MAX_BYTES`), plus room for the form.
  Werkzeug refuses a larger body from its `Content-Length` before reading it and stops a chunked one at the
  limit: 413 with a clear page.
- Integers: the `int` URL converter and `request.args/form.get(..., type=int)` accept only values a
  database integer column can hold, so `/patients/99999999999999999999999` is 404 and `?page=1e30`
  falls back to the default instead of reaching the database.
- Dates: `parse_day` accepts ISO dates between 1900 and 2200 only; date arithmetic near year 1 or
  9999 would overflow.
"""

from __future__ import annotations

from datetime import date

from flask import Flask, Request, current_app, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter
from wtforms.validators import StopValidation

#: Largest value of a 32-bit signed integer column (PostgreSQL `integer`, most of our ids).
INT_MAX = 2**31 - 1
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2200, 12, 31)
#: Endpoints whose form carries a file, with the setting that caps its size; the rest keep the small default.
UPLOAD_ENDPOINTS = {"treatments.upload_photo": "CLINIC_PHOTO_MAX_BYTES", "imports.upload": "CLINIC_IMPORT_MAX_BYTES"}
FORM_OVERHEAD = 64 * 1024


def bounded_int(value: str) -> int:
    """`int(value)` for a database id or a page number; ValueError outside the column's range."""
    number = int(value)
    if not -INT_MAX - 1 <= number <= INT_MAX:
        raise ValueError("integer out of range")
    return number


def parse_day(text: str | None) -> date:
    """An ISO date (YYYY-MM-DD) in the range the app can compute with; ValueError otherwise."""
    day = date.fromisoformat((text or "").strip())
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"dates must lie between {FIRST_DAY.year} and {LAST_DAY.year}")
    return day


def sane_date(form, field) -> None:  # noqa: ARG001 - WTForms validator signature
    """WTForms validator: a date between 1900 and 2200 (a clear message instead of an overflow later)."""
    if field.data is not None and not FIRST_DAY <= field.data <= LAST_DAY:
        raise StopValidation(f"Enter a date between {FIRST_DAY.year} and {LAST_DAY.year}.")


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that matches only values an id column can hold (larger ones are simply not found)."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class BoundedArgs(ImmutableMultiDict):
    """Query and form values whose `get(..., type=int)` refuses out-of-range integers (default instead)."""

    def get(self, key, default=None, type=None):  # noqa: A002 - Werkzeug's signature
        return super().get(key, default, bounded_int if type is int else type)


class ClinicRequest(Request):
    parameter_storage_class = BoundedArgs


def allow_upload_bodies() -> None:
    """Before CSRF reads the form: raise the body limit for the upload endpoints only (photo, import file)."""
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = current_app.config[UPLOAD_ENDPOINTS[request.endpoint]] + FORM_OVERHEAD


def register(app: Flask) -> None:
    app.request_class = ClinicRequest
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(allow_upload_bodies)
