"""Each route's object, loaded once in the user's scope before the view runs.

A route with ``<code>``, ``<int:action_id>``, ``<int:evidence_id>``… is decorated with the loader
for its object: the loader finds it through improvement_tracker.security (anything outside the
user's scope is a 404), checks the permission the route needs (a 403 when the user can see it
but may not do this), and calls the view with the object instead of its id.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from improvement_tracker import security
from improvement_tracker.extensions import db
from improvement_tracker.views._helpers import me

Permission = Callable[[Any, Any], bool]


def _loader(load: Callable[..., tuple], permission: Permission | None, keys: tuple[str, ...]):
    def decorate(view):
        @wraps(view)
        def wrapper(**values: Any):
            user = me()
            objects = load(user, *(values.pop(key) for key in keys))
            if permission is not None:
                # About the force or the action the route's objects belong to: the first.
                security.require(permission(user, objects[0]))
            return view(*objects, **values)
        return wrapper
    return decorate


def force_route(permission: Permission | None = None):
    """``<code>`` → the force, if the user may see its plan."""
    return _loader(lambda user, code: (security.force_or_404(db.session, user, code),), permission, ("code",))


def deep_dive_route(permission: Permission | None = None):
    """``<code>/…/<deep_dive_id>`` → (force, deep dive)."""
    def load(user, code, deep_dive_id):
        force = security.force_or_404(db.session, user, code)
        return force, security.deep_dive_or_404(db.session, user, force, deep_dive_id)
    return _loader(load, permission, ("code", "deep_dive_id"))


def finding_route(permission: Permission | None = None):
    """``<code>/…/<finding_id>`` → (force, finding)."""
    def load(user, code, finding_id):
        force = security.force_or_404(db.session, user, code)
        return force, security.finding_or_404(db.session, user, force, finding_id)
    return _loader(load, permission, ("code", "finding_id"))


def action_route(permission: Permission | None = None):
    """``<int:action_id>`` → the action, if the user may see it."""
    return _loader(lambda user, action_id: (security.action_or_404(db.session, user, action_id),), permission,
                   ("action_id",))


def milestone_route(permission: Permission | None = None):
    """``<int:action_id>/…/<int:milestone_id>`` → (action, milestone)."""
    def load(user, action_id, milestone_id):
        action = security.action_or_404(db.session, user, action_id)
        return action, security.milestone_or_404(db.session, action, milestone_id)
    return _loader(load, permission, ("action_id", "milestone_id"))


def evidence_route(permission: Permission | None = None):
    """``<int:evidence_id>`` → the evidence, visible exactly when its action is."""
    return _loader(lambda user, evidence_id: (security.evidence_or_404(db.session, user, evidence_id),), permission,
                   ("evidence_id",))


def period_route(permission: Permission | None = None):
    """``<code>/returns/<period>`` → (force, period): the force in scope, the quarter by its slug."""
    def load(user, code, period):
        return security.force_or_404(db.session, user, code), security.period_or_404(db.session, period)
    return _loader(load, permission, ("code", "period"))


def return_route(permission: Permission | None = None):
    """``<code>/returns/<period>/…`` → (force, return), once the force has started it."""
    def load(user, code, period):
        force = security.force_or_404(db.session, user, code)
        return force, security.return_or_404(db.session, force, security.period_or_404(db.session, period))
    return _loader(load, permission, ("code", "period"))


def version_route(permission: Permission | None = None):
    """``<code>/returns/<period>/versions/<int:number>`` → (force, return, version)."""
    def load(user, code, period, number):
        force = security.force_or_404(db.session, user, code)
        return force, *security.return_version_or_404(db.session, force, period, number)
    return _loader(load, permission, ("code", "period", "number"))
