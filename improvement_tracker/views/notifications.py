"""Email preferences for everyone, and the reminders ledger for those who watch a plan."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.forms.fields import whole_number
from improvement_tracker.forms.notifications import NotificationSettingsForm
from improvement_tracker.models import Action, Notification, ReminderClaim, User
from improvement_tracker.services import audit, clock
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.dashboards import Table
from improvement_tracker.services.reminders import KIND_LABELS
from improvement_tracker.views._helpers import commit, download, me, show_error

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
    if form.validate_on_submit():
        try:
            pause = form.paused_until.data
            if pause is not None and pause < clock.today():
                raise ServiceError("The pause must end today or later", "paused_until")
            changes = audit.apply_changes(user, {
                "reminders_enabled": form.reminders.data == "yes",
                "reminders_paused_until": pause,
                "weekly_summary": form.weekly_summary.data == "yes",
            })
            if changes:
                audit.record(db.session, user, "user.notifications_changed", "user", user.id, changes=changes,
                             force_id=user.force_id, summary="Changed email preferences")
            commit("Your email preferences have been saved")
        except ServiceError as error:
            show_error(form, error)
    return render_template("notifications/preferences.html", form=form, today=clock.today())


def _ledger_query(force_id: int):
    """The force's sent reminders about actions, newest first: the page and its download."""
    return (select(ReminderClaim)
            .where(ReminderClaim.force_id == force_id, ReminderClaim.action_id.is_not(None),
                   ReminderClaim.notification_id.is_not(None))
            .options(joinedload(ReminderClaim.notification))
            .order_by(ReminderClaim.created_at.desc(), ReminderClaim.id.desc()))


def _with_actions(query) -> tuple[list[ReminderClaim], dict[int, Action]]:
    """The claims, and their actions in one more query (not one per row)."""
    claims = list(db.session.scalars(query))
    ids = {c.action_id for c in claims}
    actions = {a.id: a for a in db.session.scalars(select(Action).where(Action.id.in_(ids)))} if ids else {}
    return claims, actions


@bp.get("/forces/<code>/reminders")
def ledger(code: str):
    """Who was chased, for what, when — and whether they updated the action afterwards."""
    user = me()
    force = security.force_or_404(db.session, user, code)
    page = request.args.get("page", "1")
    page = whole_number(page) or 1
    size = current_app.config["PAGE_SIZE"]
    base = _ledger_query(force.id)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    claims, actions = _with_actions(base.limit(size).offset((page - 1) * size))
    return render_template("notifications/ledger.html", force=force, claims=claims, actions=actions,
                           KIND_LABELS=KIND_LABELS, page=page, pages=max(1, -(-total // size)), total=total)


@bp.get("/forces/<code>/reminders.<any(csv, xlsx):fmt>")
def ledger_export(code: str, fmt: str):
    force = security.force_or_404(db.session, me(), code)
    claims, actions = _with_actions(_ledger_query(force.id))
    table = Table("reminders", "Reminders sent", ["Queued at", "Recipient", "Recipient email", "Action",
                                                  "Why", "Threshold", "Email", "Updated since"])
    for claim in claims:
        action = actions.get(claim.action_id)
        sent = claim.notification.sent_at if claim.notification else None
        table.add([claim.created_at, claim.recipient.name, claim.recipient.email,
                   action.reference if action else "", KIND_LABELS[claim.kind], claim.threshold,
                   claim.notification.status if claim.notification else "",
                   "Yes" if updated_since(action, sent or claim.created_at) else "No"])
    return download(table, fmt, f"{force.code}-reminders")


def action_reminders(action: Action, limit: int = 20) -> list[ReminderClaim]:
    """The reminders sent about one action, newest first, for its page."""
    return list(db.session.scalars(
        select(ReminderClaim).where(ReminderClaim.action_id == action.id,
                                    ReminderClaim.notification_id.is_not(None))
        # Only what the table shows: not the recipients' forces, nor the emails' own recipients.
        .options(joinedload(ReminderClaim.recipient).lazyload(User.force),
                 joinedload(ReminderClaim.notification).load_only(Notification.status)
                 .lazyload(Notification.recipient))
        .order_by(ReminderClaim.created_at.desc(), ReminderClaim.id.desc()).limit(limit)))


def updated_since(action: Action | None, moment) -> bool:
    return bool(action and moment and action.last_update_at and action.last_update_at > moment)


bp.add_app_template_global(updated_since, "updated_since")
