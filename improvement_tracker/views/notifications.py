"""Email preferences for everyone, and the reminders ledger for those who watch a plan."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import login_required

from improvement_tracker.extensions import db
from improvement_tracker.forms.notifications import NotificationSettingsForm
from improvement_tracker.models import Force
from improvement_tracker.services import clock, reminder_ledger, users
from improvement_tracker.services.inputs import whole_number
from improvement_tracker.services.reminders import KIND_LABELS
from improvement_tracker.views._helpers import commit, download, form_page, me
from improvement_tracker.views._scope import force_route

bp = Blueprint("notifications", __name__)
bp.add_app_template_global(reminder_ledger.updated_since, "updated_since")


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


@bp.get("/forces/<code>/reminders")
@force_route()
def ledger(force: Force):
    """Who was chased, for what, when — and whether they updated the action afterwards."""
    page = reminder_ledger.ledger_page(db.session, force, whole_number(request.args.get("page", "1")) or 1,
                                       current_app.config["PAGE_SIZE"])
    return render_template("notifications/ledger.html", force=force, claims=page.claims, actions=page.actions,
                           KIND_LABELS=KIND_LABELS, page=page.page, pages=page.pages, total=page.total)


@bp.get("/forces/<code>/reminders.<any(csv, xlsx):fmt>")
@force_route()
def ledger_export(force: Force, fmt: str):
    return download(reminder_ledger.ledger_table(db.session, force), fmt, f"{force.code}-reminders")
