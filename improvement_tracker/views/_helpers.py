"""Small things every view needs: the signed-in user, a commit, a service error on its field."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Response, flash
from flask_login import current_user
from flask_wtf import FlaskForm

from improvement_tracker.extensions import db
from improvement_tracker.services.audit import ServiceError

if TYPE_CHECKING:
    from improvement_tracker.models import User


def download(table, fmt: str, name: str) -> Response:
    """A list or table as a CSV or XLSX attachment (formula cells neutralised by the exporter)."""
    from improvement_tracker.services import clock, exports

    filename = f"{name}-{clock.today().isoformat()}.{fmt}"
    return Response(exports.render(table, fmt), headers={
        "Content-Type": exports.FORMATS[fmt], "Content-Disposition": f'attachment; filename="{filename}"'})


def me() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def show_error(form: FlaskForm, error: ServiceError, fallback_field: str | None = None) -> None:
    """Put a rule's message next to the field it concerns, or first field if it names none."""
    db.session.rollback()
    name = error.field if error.field in form._fields else fallback_field
    if name is None:
        name = next((n for n in form._fields if n != "csrf_token"), None)
    if name is None:
        flash(error.message, "error")
        return
    field = form._fields[name]
    if not isinstance(field.errors, list):
        field.errors = list(field.errors)
    field.errors.append(error.message)


def commit(message: str | None = None) -> None:
    db.session.commit()
    if message:
        flash(message, "success")
