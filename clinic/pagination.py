"""Pages of long lists whose count stays cheap however long the list grows."""

from __future__ import annotations

import sqlalchemy as sa
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import orm

from clinic.extensions import db

#: How many pages past the current one the count looks ahead before it stops and says "more than".
LOOKAHEAD_PAGES = 10


class BoundedPagination(SelectPagination):
    """Counts the matching rows only up to `LOOKAHEAD_PAGES` pages past the current page, so a list of
    100,000 patients costs what one of a few hundred does. `capped` tells the template that the real
    number is larger than `total` ("more than 275 patients"); Next always works while rows remain."""

    capped: bool = False

    def _query_count(self) -> int:
        bound = (self.page + LOOKAHEAD_PAGES) * self.per_page
        select = self._query_args["select"].options(orm.lazyload("*")).order_by(None).limit(bound + 1)
        found = db.session.execute(sa.select(sa.func.count()).select_from(select.subquery())).scalar_one()
        self.capped = found > bound
        return min(found, bound)


def bounded_paginate(select: sa.Select, *, page: int, per_page: int) -> BoundedPagination:
    """`db.paginate` with a bounded count; never 404s on a page past the end (it is simply empty)."""
    return BoundedPagination(
        select=select, session=db.session, page=page, per_page=per_page, max_per_page=None, error_out=False
    )
