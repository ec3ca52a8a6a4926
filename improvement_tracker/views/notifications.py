"""Email preferences for everyone, and the reminders ledger for those who watch a plan."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import login_required

from improvement_tracker.extensions import db
from improvement_tracker.forms.ledger import LedgerFilterForm
from improvement_tracker.forms.notifications import NotificationSettingsForm
from improvement_tracker.models import Force
from improvement_tracker.services import clock, reminder_ledger, users
from improvement_tracker.services.inputs import whole_number
from improvement_tracker.views._helpers import commit, download, form_page, me, pagination
from improvement_tracker.views._scope import force_route

bp = Blueprint("notifications", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user."""


@bp.route("/notifications", methods=["GET", "POST"])
def preferences():
    user = me()
    form = NotificationSettingsForm()
    if request.method == "GET":
        form.reminders.data = "yes" if user.reminders_enabled else "no"
        form.paused_until.data = user.reminders_paused_until
        form.weekly_summary.data = "yes" if user.weekly_summary else "no"

    def save() -> None:  # the same page again, saying so
        users.set_notification_preferences(
            db.session, user, reminders=form.reminders.data == "yes", paused_until=form.paused_until.data,
            weekly_summary=form.weekly_summary.data == "yes")
        commit("Your email preferences have been saved")

    return form_page(form, "notifications/preferences.html", save, today=clock.today())


def _chosen_args() -> dict[str, list[str]]:
    """The ledger's filters as sent (a date is three boxes), for the page's links and its download."""
    return {name: values for name in reminder_ledger.FILTER_NAMES
            if any(values := request.args.getlist(name))}


def _ledger_filters(force: Force, *, with_choices: bool) -> tuple[LedgerFilterForm, reminder_ledger.LedgerFilters]:
    """The filters form as the person filled it in, and the filters it makes: a date with an error is
    shown with its error and not applied."""
    form = LedgerFilterForm(request.args)
    form.kind.choices = [("", "Any kind"), *reminder_ledger.KIND_NAMES.items()]
    form.email.choices = [("", "Any"), *((key, label) for key, (label, _) in reminder_ledger.EMAIL_FILTERS.items())]
    people = reminder_ledger.recipients(db.session, force) if with_choices else []
    form.person.choices = [("", "Anyone"), *((str(i), name) for i, name in people)]
    if _chosen_args():
        form.validate()
    filters = reminder_ledger.filters_from(
        kind=form.kind.data, recipient_id=whole_number(form.person.data), email=form.email.data,
        sent_from=None if form.sent_from.errors else form.sent_from.data,
        sent_to=None if form.sent_to.errors else form.sent_to.data)
    return form, filters


@bp.get("/forces/<code>/reminders")
@force_route()
def ledger(force: Force):
    """Who was chased, for what, when — and whether they updated the action afterwards."""
    form, filters = _ledger_filters(force, with_choices=True)
    page = reminder_ledger.ledger_page(db.session, force, whole_number(request.args.get("page", "1")) or 1,
                                       current_app.config["PAGE_SIZE"], filters)
    args = _chosen_args()
    return render_template(
        "notifications/ledger.html", force=force, form=form if form.errors else None, filter_form=form,
        filters=filters, rows=page.rows, total=page.total, download_args=args,
        pagination=pagination(page.page, page.pages,
                              lambda n: url_for("notifications.ledger", code=force.code, page=n, **args),
                              "Pages of reminders"))


@bp.get("/forces/<code>/reminders.<any(csv, xlsx):fmt>")
@force_route()
def ledger_export(force: Force, fmt: str):
    """The page's rows with its filters, every page of them."""
    _, filters = _ledger_filters(force, with_choices=False)
    return download(reminder_ledger.ledger_table(db.session, force, filters), fmt, f"{force.code}-reminders")
