"""Small things every view needs: the signed-in user, a commit, a service error on its field, and
a write that applies once (a form sent twice, two people at once, an edit made on an old page)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from improvement_tracker import security
from improvement_tracker.data_tables import table_html
from improvement_tracker.extensions import db
from improvement_tracker.formatting import govuk_date, govuk_datetime
from improvement_tracker.forms.base import Form
from improvement_tracker.services import clock, edits, exports, kept, submissions
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.inputs import whole_number
from improvement_tracker.services.tables import Link

log = logging.getLogger(__name__)

CHANGED_AT_ONCE = ("Someone else changed this at the same moment, so nothing you sent was saved. "
                   "Check the page and try again")
# Fields the user never sees, so never shown an error.
HIDDEN_FIELDS = frozenset({"csrf_token", "submission_token", "loaded_version"})
SENT_TWICE = "You sent this form more than once. It was saved once: this is the result"

if TYPE_CHECKING:
    from improvement_tracker.models import User
    from improvement_tracker.security import Refusal
    from improvement_tracker.services.tables import Table


def download(table: Table, fmt: str, name: str) -> Response:
    """A list or table as a CSV or XLSX attachment (formula cells neutralised by the exporter)."""
    filename = f"{name}-{clock.today().isoformat()}.{fmt}"
    return Response(exports.render(table, fmt), headers={
        "Content-Type": exports.FORMATS[fmt], "Content-Disposition": f'attachment; filename="{filename}"'})


def _url(link: Link) -> str:
    return url_for(link[0], **link[1])


# Links and tables as every viewer sees them: worked out once with a page's figures, and kept with them
# (the dashboards and the outcome pages).
PRESENTATION = kept.Presentation(url_for=_url, table_markup=table_html)


def me() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def show_error(form: FlaskForm, error: ServiceError, links: dict[str, str] | None = None) -> None:
    """Put a rule's message next to the field it concerns.

    A message about no field of the form (the evidence awaiting review, a status that has moved on)
    goes in the error summary only, never next to an unrelated field: it links to ``links[error.field]``
    (a place on the page, like ``#sign-off-evidence``) if the view gives one, else to nothing. A form
    with no fields to show it on (a button) shows it as an error banner on the next page instead.
    """
    db.session.rollback()
    field = form._fields.get(error.field) if error.field and error.field not in HIDDEN_FIELDS else None
    if field is not None:
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.append(error.message)
        return
    if not any(name not in HIDDEN_FIELDS for name in form._fields):
        flash(error.message, "error")
        return
    form.form_errors.append(error.message)
    href = (links or {}).get(error.field or "")
    if href:
        form.form_error_links = {**getattr(form, "form_error_links", {}), error.message: href}


def refused(refusal: Refusal | None, back_to: str) -> Response | None:
    """None when the change is allowed; the 403 page when who the user is forbids it; otherwise back
    to ``back_to``, saying why (a four-eyes rule, a state that has moved on)."""
    if refusal is None:
        return None
    security.require(not refusal.forbidden)
    flash(f"{refusal.message}.", "error")
    return redirect(back_to)


def commit(message: str | None = None) -> None:
    db.session.commit()
    if message:
        flash(message, "success")


@contextmanager
def one_writer() -> Iterator[None]:
    """A write that lost a race is refused with a message, never a 500: another request updated
    the row first (its version moved: SQLAlchemy's StaleDataError), or a uniqueness rule in the
    database refused the second of two inserts."""
    try:
        yield
    except StaleDataError:
        db.session.rollback()
        raise ServiceError(CHANGED_AT_ONCE) from None
    except IntegrityError as error:
        db.session.rollback()
        log.warning("A write was refused by the database: %s", error.orig)
        raise ServiceError(CHANGED_AT_ONCE) from None


def sent_before(form: FlaskForm) -> Response | None:
    """None when this is the first sending of the form (its token is now claimed in this
    transaction: commit it with the write); otherwise where the first sending led, saying so."""
    token = form.token() if isinstance(form, Form) else None
    if not token:
        return None
    user_id = current_user.id if current_user.is_authenticated else None
    try:
        submissions.claim(db.session, token, user_id)
        return None
    except (submissions.AlreadySent, IntegrityError):
        db.session.rollback()
    flash(SENT_TWICE, "info")
    return redirect(submissions.first_result(db.session, token, user_id) or request.path)


def remember_result(form: FlaskForm, response: Any) -> None:
    """After the write is committed: where it led, for a repeat of the form to be shown."""
    token = form.token() if isinstance(form, Form) else None
    location = getattr(response, "location", None)
    if token and location:
        try:
            submissions.record_result(db.session, token, location)
            db.session.commit()
        except SQLAlchemyError:  # the write itself is committed: a repeat then lands on the form page
            db.session.rollback()
            log.warning("Could not record where form %s led", token, exc_info=True)


def form_page(form: FlaskForm, template: str, save: Callable[[], Any], *, links: dict[str, str] | None = None,
              held: Callable[[], bool] | None = None, **context: Any) -> Any:
    """The GOV.UK question page: on a valid POST, ``save`` (it calls the service, commits and usually
    redirects); a rule the service refuses goes next to its field (``show_error``); otherwise — or when
    ``save`` returns nothing — the page again, with what the user typed. The same form sent again
    shows the first result and writes nothing (``sent_before``); a write that lost a race to another
    says so (``one_writer``). ``held``, asked of a valid form before anything is written, shows the
    page again instead when it returns True (``edit_page``: a colleague's change to review)."""
    if form.validate_on_submit() and not (held and held()):
        repeat = sent_before(form)
        if repeat is not None:
            return repeat
        try:
            with one_writer():
                response = save()
            if response is not None:
                remember_result(form, response)
                return response
        except ServiceError as error:
            show_error(form, error, links)
    return render_template(template, form=form, **context)


def press(form: FlaskForm, change: Callable[[], Any]) -> None:
    """A button that changes something: the change (it commits) once, however often or however many
    times at once the button is pressed; a refusal shows as an error banner on the next page."""
    if not form.validate_on_submit() or sent_before(form) is not None:
        return
    try:
        with one_writer():
            change()
    except ServiceError as error:
        show_error(form, error)


def _shown(form: FlaskForm, name: str, value: Any) -> str:
    """A stored value as the form's field would show it: a choice's label, a date in words."""
    if value is None or value == "":
        return "nothing"
    choices = getattr(form[name], "choices", None)
    if choices:
        for choice in choices:
            if choice[0] == value:
                return str(choice[1])
    if isinstance(value, date):
        return govuk_date(value)
    if isinstance(value, Decimal):  # a figure stored as 15.0 reads as the 15 that was typed
        return f"{value.normalize():f}"
    text = " ".join(str(value).split())
    return f"“{text if len(text) <= 80 else text[:77] + '…'}”"


def edit_page(form: FlaskForm, template: str, save: Callable[[], Any], *, obj: Any, object_type: str,
              noun: str, current: dict[str, Any] | None = None, force_id: int | None = None,
              **context: Any) -> Any:
    """``form_page`` for a form that edits ``obj``: it carries the version it was loaded at, and a
    save that would undo someone else's change since then writes nothing and shows, next to each
    such field, who changed it, when and to what (services.edits). Saving again keeps the user's
    answer. ``current`` gives the stored values where the form's fields are not ``obj``'s attributes;
    ``force_id`` narrows ``obj``'s history to one force's (services.edits)."""
    version = edits.loaded_version(db.session, object_type, obj.id, force_id)
    if request.method != "POST":
        form.loaded_version.data = str(version)

    def held() -> bool:
        since = whole_number(form.loaded_version.data)
        if since is None or since >= version:
            return False
        stored = current if current is not None else {f.name: getattr(obj, f.name) for f in form
                                                      if hasattr(obj, f.name)}
        stored = {name: _comparable(value) for name, value in stored.items()}
        sent = {name: _comparable(form[name].data) for name in stored}
        found = edits.conflicts(db.session, object_type, obj.id, since, stored, sent, force_id)
        for conflict in found:
            yours = conflict.by_id == current_user.id
            form[conflict.field].errors = [
                f"{'You' if yours else conflict.by} changed this to "
                f"{_shown(form, conflict.field, stored[conflict.field])} on {govuk_datetime(conflict.at)}"
                f"{' in another page or tab' if yours else ''}, while you were editing. Check your answer, "
                "then save again to keep it"]
        if found:
            form.form_errors.append(f"Someone else changed this {noun} while you were editing it, so nothing "
                                    "has been saved")
            form.loaded_version.raw_data = [str(version)]  # saving again, having looked, keeps these answers
            form.loaded_version.data = str(version)
        return bool(found)

    return form_page(form, template, save, held=held, **context)


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    return "" if value is None else value


def pagination(page: int, pages: int, href: Callable[[int], str], label: str) -> dict | None:
    """govukPagination's parameters: the first and last pages, the pages either side of this one
    and gaps between; None when everything fits on one page. ``href(n)`` is page n's URL."""
    if pages <= 1:
        return None
    items: list[dict] = []
    for n in range(1, pages + 1):
        if n in (1, pages) or abs(n - page) <= 1:
            items.append({"number": n, "href": href(n), "current": n == page})
        elif not items[-1].get("ellipsis"):
            items.append({"ellipsis": True})
    params: dict = {"items": items, "landmarkLabel": label}
    if page > 1:
        params["previous"] = {"href": href(page - 1)}
    if page < pages:
        params["next"] = {"href": href(page + 1)}
    return params
