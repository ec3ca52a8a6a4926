"""Administration: users, pillars and forces."""

from __future__ import annotations

from typing import TypeVar
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import login_required, login_user

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.forms.admin import (
    NO_FORCE,
    ForceForm,
    PasswordForm,
    PillarForm,
    UserEditForm,
    UserFilterForm,
    UserForm,
    choices,
)
from improvement_tracker.forms.auth import ConfirmForm
from improvement_tracker.forms.notifications import ReminderSettingsForm
from improvement_tracker.jobs import health as job_health
from improvement_tracker.jobs import runs as job_runs
from improvement_tracker.models import User
from improvement_tracker.models._types import utcnow
from improvement_tracker.services import outbox as outbox_service
from improvement_tracker.services import reference_admin, users
from improvement_tracker.services import settings as reminder_settings_service
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.inputs import whole_number
from improvement_tracker.views._helpers import commit, edit_page, form_page, me, pagination, press, show_error

bp = Blueprint("admin", __name__, url_prefix="/admin")
T = TypeVar("T")


@bp.before_request
@login_required
def _admins_only() -> None:
    """Everything under /admin is for administrators; anyone else is told it does not exist."""
    if not security.can_administer(me()):
        abort(404)


@bp.get("/")
def index():
    return render_template("admin/index.html", counts=reference_admin.counts(db.session))


# --- users ------------------------------------------------------------------------------

def _found(obj: T | None) -> T:
    """Administrators see everything: anything that does not exist is a 404."""
    if obj is None:
        abort(404)
    return obj


def _user_or_404(user_id: int) -> User:
    return _found(users.user_by_id(db.session, user_id))


def _force_choices() -> list:
    return choices((f.code, f.name) for f in reference_admin.forces(db.session))


def _keep_me_signed_in(user: User) -> None:
    """A change to your own account rotates your session token: carry this session over."""
    if user.id == me().id:
        login_user(user)


def _pagination(page: int, pages: int, args: dict[str, str]) -> dict | None:
    return pagination(page, pages, lambda n: url_for("admin.users") + "?" + urlencode({**args, "page": n}),
                      "Pages of users")


@bp.get("/users", endpoint="users")
def users_list():
    form = UserFilterForm(request.args)
    form.force.choices = [form.force.choices[0], *_force_choices()]
    force = reference_admin.force_by_code(db.session, form.force.data) if form.force.data else None
    page_arg = request.args.get("page", "1")
    result = reference_admin.user_page(
        db.session, role=form.role.data or None, force=force,
        page=whole_number(page_arg) or 1, page_size=current_app.config["PAGE_SIZE"],
    )
    args = {k: v for k, v in request.args.items() if k in ("role", "force") and v}
    return render_template("admin/users.html", form=form, result=result, filtered=bool(args),
                           pagination=_pagination(result.page, result.pages, args))


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    form = UserForm()
    form.force.choices = [NO_FORCE, *_force_choices()]

    def save():
        user = users.create_user(db.session, email=form.email.data, name=form.name.data, role=form.role.data,
                                 force_code=form.force.data or None, password=form.password.data, actor=me())
        commit(f"{user.name} can now sign in with {user.email}")
        return redirect(url_for("admin.users"))

    return form_page(form, "admin/user_new.html", save)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = _user_or_404(user_id)
    form = UserEditForm(data={"name": user.name, "role": user.role,
                              "force": user.force.code if user.force else ""})
    form.force.choices = [NO_FORCE, *_force_choices()]

    def save():
        changes = users.update_user(db.session, user, name=form.name.data, role=form.role.data,
                                    force_code=form.force.data or None, actor=me())
        commit(f"Changes to {user.name} saved" if changes else "Nothing was changed")
        _keep_me_signed_in(user)
        return redirect(url_for("admin.users"))

    return edit_page(form, "admin/user_edit.html", save, obj=user, object_type="user", noun="user",
                     current={"name": user.name, "role": user.role, "force": user.force.code if user.force else ""},
                     user=user)


def _set_active(user_id: int, active: bool):
    user = _user_or_404(user_id)
    def change():
        users.set_active(db.session, user, active, actor=me())
        commit(f"{user.name} can sign in again" if active else f"{user.name} has been deactivated and signed out")

    press(ConfirmForm(), change)
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
def user_deactivate(user_id: int):
    """Asked first: the page says who and what will happen, and its button deactivates."""
    if request.method == "GET":
        return render_template("admin/user_deactivate.html", user=_user_or_404(user_id))
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/reactivate")
def user_reactivate(user_id: int):
    return _set_active(user_id, True)


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
def user_password(user_id: int):
    user = _user_or_404(user_id)
    form = PasswordForm()

    def save():
        users.set_password(db.session, user, form.password.data, actor=me())
        commit(f"New password set for {user.name}. Give it to them in person or by phone")
        _keep_me_signed_in(user)
        return redirect(url_for("admin.user_edit", user_id=user.id))

    return form_page(form, "admin/user_password.html", save, user=user)


# --- pillars ----------------------------------------------------------------------------

@bp.get("/pillars")
def pillars():
    return render_template("admin/pillars.html", pillars=reference_admin.pillars(db.session))


@bp.route("/pillars/<code>/edit", methods=["GET", "POST"])
def pillar_edit(code: str):
    pillar = _found(reference_admin.pillar_by_code(db.session, code))
    form = PillarForm(obj=pillar)

    def save():
        changes = reference_admin.update_pillar(db.session, pillar, name=form.name.data,
                                                description=form.description.data or "", actor=me())
        commit(f"Pillar {pillar.code} saved" if changes else "Nothing was changed")
        return redirect(url_for("admin.pillars"))

    return edit_page(form, "admin/pillar_edit.html", save, obj=pillar, object_type="pillar", noun="pillar",
                     pillar=pillar)


# --- forces -----------------------------------------------------------------------------

@bp.get("/forces")
def forces():
    return render_template("admin/forces.html", forces=reference_admin.forces(db.session),
                           user_counts=reference_admin.force_user_counts(db.session))


@bp.route("/forces/new", methods=["GET", "POST"])
def force_new():
    form = ForceForm()

    def save():
        force = reference_admin.create_force(db.session, name=form.name.data, country=form.country.data,
                                             cohort=form.cohort.data, actor=me())
        commit(f"{force.name} added")
        return redirect(url_for("admin.forces"))

    return form_page(form, "admin/force_form.html", save, force=None)


@bp.route("/forces/<code>/edit", methods=["GET", "POST"])
def force_edit(code: str):
    force = _found(reference_admin.force_by_code(db.session, code))
    form = ForceForm(obj=force)

    def save():
        changes = reference_admin.update_force(db.session, force, name=form.name.data, country=form.country.data,
                                               cohort=form.cohort.data, actor=me())
        commit(f"{force.name} saved" if changes else "Nothing was changed")
        return redirect(url_for("admin.forces"))

    return edit_page(form, "admin/force_form.html", save, obj=force, object_type="force", noun="force",
                     force=force)


# --- reminders and the outbox ----------------------------------------------------------

@bp.route("/reminders", methods=["GET", "POST"])
def reminder_settings():
    current = reminder_settings_service.load(db.session)
    form = ReminderSettingsForm()
    if request.method == "GET":
        form.due_soon_days.data = ", ".join(map(str, current.due_soon_days))
        form.overdue_days.data = ", ".join(map(str, current.overdue_days))
        form.escalation_days.data = str(current.escalation_days)
        form.stale_days.data = str(current.stale_days)
    if form.validate_on_submit():
        try:
            parse = reminder_settings_service.parse_days
            new = reminder_settings_service.ReminderSettings(
                due_soon_days=tuple(sorted(parse(form.due_soon_days.data, "due_soon_days"), reverse=True)),
                overdue_days=tuple(sorted(parse(form.overdue_days.data, "overdue_days"))),
                escalation_days=parse(form.escalation_days.data, "escalation_days")[0],
                stale_days=parse(form.stale_days.data, "stale_days")[0],
            )
            changes = reminder_settings_service.save(db.session, new, actor=me())
            commit("Reminder settings saved" if changes else "Nothing was changed")
            return redirect(url_for("admin.reminder_settings"))
        except ServiceError as error:
            show_error(form, error)
    return render_template("admin/reminder_settings.html", form=form)


@bp.get("/outbox")
def outbox():
    return render_template("admin/outbox.html", problems=outbox_service.needing_attention(db.session),
                           counts=outbox_service.status_counts(db.session), confirm=ConfirmForm())


@bp.post("/outbox/<int:notification_id>/retry")
def outbox_retry(notification_id: int):
    notification = outbox_service.by_id(db.session, notification_id)
    if notification is None:
        abort(404)
    def retry():
        outbox_service.retry(db.session, notification, actor=me())
        commit(f"The email to {notification.recipient.email} will be sent again within a few minutes")

    press(ConfirmForm(), retry)
    return redirect(url_for("admin.outbox"))


# --- the scheduler ----------------------------------------------------------------------

@bp.get("/scheduler")
def scheduler():
    return render_template("admin/scheduler.html", status=job_health.check(db.session, utcnow()),
                           recent=job_runs.recent(db.session))
