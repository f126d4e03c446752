"""Pages of a list: the page number from ?page=, the size from PAGE_SIZE, and the last pages
read from the nearer end. Two SQL statements a page."""
from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import asc, desc, nulls_first, nulls_last
from sqlalchemy.sql import operators

from proxy_service.core.extensions import db


def paginate(query, from_nearer_end=False):
    """One page of `query` (page number from ?page=), size from PAGE_SIZE.

    `from_nearer_end`: pages past the middle are read in the reverse order from the end
    (and turned round), so the last page costs what the first does instead of skipping
    every row before it. Only for queries whose ORDER BY is total (ends with a unique key):
    with ties the two directions could disagree on which rows share a page.
    """
    page = max(request.args.get("page", 1, type=int), 1)
    per_page = current_app.config["PAGE_SIZE"]
    if from_nearer_end:
        return NearerEndPagination(select=query, session=db.session, page=page,
                                   per_page=per_page, error_out=False)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


class NearerEndPagination(SelectPagination):
    """Flask-SQLAlchemy's pagination, counting first and then reading the page from the
    nearer end of the ordered rows. Still two statements."""

    def _query_items(self):
        select_, session = self._query_args["select"], self._query_args["session"]
        self._total = super()._query_count()
        start = self._query_offset
        end = min(start + self.per_page, self._total)
        if start >= end or start <= self._total - end:   # empty, or the first half: as usual
            return super()._query_items()
        backwards = select_.order_by(None).order_by(*map(_reversed, select_._order_by_clauses))
        rows = list(session.execute(backwards.limit(end - start).offset(self._total - end))
                    .unique().scalars())
        return rows[::-1]

    def _query_count(self):
        return self._total


_FLIPPED = {operators.asc_op: desc, operators.desc_op: asc,
            operators.nulls_first_op: nulls_last, operators.nulls_last_op: nulls_first}


def _reversed(clause):
    """The ORDER BY term sorting the other way, NULLs included (x ASC NULLS LAST → x DESC
    NULLS FIRST); a bare term is ascending. Each database's default NULL placement flips
    with the direction, so terms without NULLS stay exact mirrors."""
    flip = _FLIPPED.get(getattr(clause, "modifier", None))
    if flip is None:
        return clause.desc()
    if clause.modifier in (operators.nulls_first_op, operators.nulls_last_op):
        return flip(_reversed(clause.element))
    return flip(clause.element)

