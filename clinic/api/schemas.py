"""Shared pieces of the API's marshmallow schemas: bounded text, pages, the page envelope."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from clinic.limits import INT_MAX

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25
#: Text the databases can store: no NUL and no other C0 control character except tab and newlines.
PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]*$"
#: The same with at least one character that is not a space.
_ALLOWED = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]"
NOT_BLANK = rf"^{_ALLOWED}*[^\s\x00-\x1f\ud800-\udfff]{_ALLOWED}*$"


def text(max_length: int, *, required: bool = False, blank: bool = True, **kwargs) -> ma.fields.String:
    """A string field of at most `max_length` characters; `blank=False` also refuses whitespace only."""
    pattern, message = (PRINTABLE, "Control characters are not allowed.")
    if not blank:
        pattern, message = (NOT_BLANK, "Must not be blank, and control characters are not allowed.")
    validators = [validate.Length(min=0 if blank else 1, max=max_length), validate.Regexp(pattern, error=message)]
    return ma.fields.String(required=required, validate=validators, **kwargs)


def object_id(*, in_query: bool = False, **kwargs) -> ma.fields.Integer:
    """An id: a positive integer a database key can hold (a JSON number in a body, digits in a query)."""
    return ma.fields.Integer(strict=not in_query, validate=validate.Range(min=1, max=INT_MAX), **kwargs)


class DecimalString(ma.fields.Decimal):
    """An exact decimal (a measure, a price) as a JSON string, so no digit is lost to floating point."""

    def __init__(self, **kwargs) -> None:
        super().__init__(as_string=True, **kwargs)


class PageQuery(ma.Schema):
    """page + page_size (capped at 100); every list adds its own allow-listed filters and sorts."""

    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=INT_MAX))
    page_size = ma.fields.Integer(
        load_default=DEFAULT_PAGE_SIZE,
        validate=validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"At most {MAX_PAGE_SIZE}"},
    )


class PageMeta(ma.Schema):
    page = ma.fields.Integer(required=True)
    page_size = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    pages = ma.fields.Integer(required=True)


def paged(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The envelope of one page: {"items": [...], "meta": {page, page_size, total, pages}}."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "meta": ma.fields.Nested(PageMeta, required=True),
        },
        name=name,
    )


def page_of(select, args: dict, db) -> tuple[list, dict]:
    """Run one page of `select` (Flask-SQLAlchemy's paginate); the items and the meta block."""
    page = db.paginate(select, page=args["page"], per_page=args["page_size"], error_out=False, count=True)
    meta = {"page": page.page, "page_size": page.per_page, "total": page.total or 0, "pages": page.pages}
    return list(page.items), meta
