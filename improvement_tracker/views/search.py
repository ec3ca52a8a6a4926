"""Search: the header's box leads here, a GET form that works without JavaScript (/search?q=…).

What the user may see is decided by services.search through improvement_tracker.security, as on
the pages each result links to; this view reads the query string and draws the page.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import login_required

from improvement_tracker.extensions import db
from improvement_tracker.services import search
from improvement_tracker.services.inputs import whole_number
from improvement_tracker.views._helpers import me, pagination

bp = Blueprint("search", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every signed-in person may search what they may see."""


@bp.get("/search")
def results():
    text = request.args.get("q")
    kind = request.args.get("kind") if request.args.get("kind") in search.BY_SLUG else None
    if text is None:  # the page itself, before anything was asked
        return render_template("search/results.html", q="", found=None, pages=None, kinds=search.KINDS)
    found = search.search(db.session, me(), text, kind=kind, page=whole_number(request.args.get("page", "1")) or 1)

    def href(page: int | None = None, chosen: str | None = kind) -> str:
        return url_for("search.results", q=text, kind=chosen, page=page if page and page > 1 else None)

    return render_template(
        "search/results.html", q=text, found=found, href=href, kinds=search.KINDS,
        pages=pagination(found.page, found.pages, href, "Pages of search results"))
