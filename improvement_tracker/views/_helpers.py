"""Small things every view needs: the signed-in user, a commit, a service error on its field."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Response, flash, redirect, render_template
from flask_login import current_user
from flask_wtf import FlaskForm

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.services import clock, exports
from improvement_tracker.services.audit import ServiceError

if TYPE_CHECKING:
    from improvement_tracker.models import User
    from improvement_tracker.security import Refusal
    from improvement_tracker.services.tables import Table


def download(table: Table, fmt: str, name: str) -> Response:
    """A list or table as a CSV or XLSX attachment (formula cells neutralised by the exporter)."""
    filename = f"{name}-{clock.today().isoformat()}.{fmt}"
    return Response(exports.render(table, fmt), headers={
        "Content-Type": exports.FORMATS[fmt], "Content-Disposition": f'attachment; filename="{filename}"'})


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
    field = form._fields.get(error.field) if error.field and error.field != "csrf_token" else None
    if field is not None:
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.append(error.message)
        return
    if not any(name != "csrf_token" for name in form._fields):
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


def form_page(form: FlaskForm, template: str, save: Callable[[], Any], *, links: dict[str, str] | None = None,
              **context: Any) -> Any:
    """The GOV.UK question page: on a valid POST, ``save`` (it calls the service, commits and usually
    redirects); a rule the service refuses goes next to its field (``show_error``); otherwise — or when
    ``save`` returns nothing — the page again, with what the user typed."""
    if form.validate_on_submit():
        try:
            response = save()
            if response is not None:
                return response
        except ServiceError as error:
            show_error(form, error, links)
    return render_template(template, form=form, **context)
