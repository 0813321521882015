"""Request helpers the view modules of every feature share."""

from __future__ import annotations

from flask import request

from engage.request_values import MAX_PAGE, bounded_int


def page_number(raw: object) -> int:
    """`raw` as a page number; anything that is not a sane page is page 1."""
    return bounded_int(raw, minimum=1, maximum=MAX_PAGE) or 1


def page_arg(name: str = "page") -> int:
    """The page number from the query string."""
    return page_number(request.args.get(name))
