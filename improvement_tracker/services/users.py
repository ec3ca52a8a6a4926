"""Accounts: creation, changes, deactivation, passwords and throttled sign-in."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from improvement_tracker.models import Action, Force, LoginAttempt, User
from improvement_tracker.models._types import utcnow
from improvement_tracker.models.users import FORCE_ROLES, ROLES
from improvement_tracker.services import audit, clock, plan_rules
from improvement_tracker.services.audit import ServiceError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))

COMMON_PASSWORDS = {
    "password1234", "123456789012", "qwertyuiopas", "passwordpassword", "letmein12345",
    "changeme1234", "administrator", "welcome12345", "password12345", "iloveyou1234",
}


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_email(email: str) -> str:
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ServiceError("Enter an email address in the correct format, like name@example.police.uk",
                           "email") from exc


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"Password must be {MIN_PASSWORD_LENGTH} characters or more", "password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ServiceError(f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer", "password")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        raise ServiceError("Password is too easy to guess: use three or more random words", "password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _resolve_force(session: Session, role: str, force_code: str | None) -> Force | None:
    if role not in ROLES:
        raise ServiceError(f"Role must be one of: {', '.join(ROLES)}", "role")
    if role in FORCE_ROLES:
        if not force_code:
            raise ServiceError("Select the force this user works for", "force")
        force = session.scalar(select(Force).where(Force.code == force_code))
        if force is None:
            raise ServiceError(f"Unknown force: {force_code}", "force")
        return force
    return None


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    force_code: str | None,
    password: str,
    actor: User | None,
    password_hash: str | None = None,
) -> User:
    """Create an account. ``password_hash`` lets a caller that creates many accounts with one
    shared password (the demo) hash it once; it must be the hash of ``password``."""
    email = check_email(email)
    name = (name or "").strip()
    if not name:
        raise ServiceError("Enter the user's full name", "name")
    force = _resolve_force(session, role, force_code)
    check_password(password)
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise ServiceError("A user with this email address already exists", "email")
    user = User(
        email=email,
        name=name,
        role=role,
        force_id=force.id if force else None,
        active=True,
        password_hash=password_hash or hash_password(password),
        session_token=secrets.token_hex(16),
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "user.created", "user", user.id,
        changes={"email": [None, email], "name": [None, name], "role": [None, role],
                 "force": [None, force.code if force else None]},
        force_id=user.force_id, summary=f"Created user {email}",
    )
    return user


def update_user(
    session: Session, user: User, *, name: str, role: str, force_code: str | None, actor: User
) -> dict:
    name = (name or "").strip()
    if not name:
        raise ServiceError("Enter the user's full name", "name")
    force = _resolve_force(session, role, force_code)
    if user.id == actor.id and role != user.role:
        raise ServiceError("You cannot change your own role", "role")
    old_force = user.force.code if user.force else None
    changes = audit.apply_changes(user, {"name": name, "role": role, "force_id": force.id if force else None})
    if "force_id" in changes:
        changes.pop("force_id")
        changes["force"] = [old_force, force.code if force else None]
    if "role" in changes or "force" in changes:
        # A new role or force must not ride on a session that was granted for the old one.
        user.session_token = secrets.token_hex(16)
        open_actions = session.scalar(
            select(func.count()).select_from(Action).where(
                Action.owner_id == user.id, plan_rules.open_sql()
            )
        )
        if "force" in changes and open_actions:
            raise ServiceError(
                f"This user owns {open_actions} open actions in their force: reassign them first", "force"
            )
    if changes:
        audit.record(session, actor, "user.updated", "user", user.id, changes=changes,
                     force_id=user.force_id, summary=f"Changed user {user.email}")
    return changes


def set_active(session: Session, user: User, active: bool, *, actor: User) -> None:
    if user.id == actor.id and not active:
        raise ServiceError("You cannot deactivate your own account")
    if user.active == active:
        return
    user.active = active
    user.session_token = secrets.token_hex(16)
    audit.record(session, actor, "user.activated" if active else "user.deactivated", "user", user.id,
                 changes={"active": [not active, active]}, force_id=user.force_id,
                 summary=f"{'Reactivated' if active else 'Deactivated'} {user.email}")


def set_password(session: Session, user: User, password: str, *, actor: User | None) -> None:
    check_password(password)
    user.password_hash = hash_password(password)
    user.session_token = secrets.token_hex(16)
    audit.record(session, actor, "user.password_set", "user", user.id, force_id=user.force_id,
                 summary=f"Set the password of {user.email}")


def end_sessions(session: Session, user: User) -> None:
    """Sign out everywhere. The session is a signed cookie: a copy taken before sign-out would go on
    working until it idled out. A new token makes every copy worthless (the person's other sessions too)."""
    user.session_token = secrets.token_hex(16)


def load_session_user(session: Session, session_id: str) -> User | None:
    """Flask-Login's loader: the id must match the current session token and the account be active."""
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


@dataclass
class SignInResult:
    user: User | None = None
    throttled: bool = False


def authenticate(
    session: Session, email: str, password: str, ip: str, *, max_attempts: int, window_minutes: int
) -> SignInResult:
    """Check a sign-in, counting failures per account and per address across all workers."""
    email = normalise_email(email)
    since = utcnow() - timedelta(minutes=window_minutes)
    failures_for = lambda column, value: session.scalar(  # noqa: E731
        select(func.count()).select_from(LoginAttempt).where(
            column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since
        )
    )
    if failures_for(LoginAttempt.email, email) >= max_attempts or failures_for(LoginAttempt.ip, ip) >= max_attempts:
        session.add(LoginAttempt(email=email[:254], ip=ip[:64], succeeded=False))
        return SignInResult(throttled=True)

    user = session.scalar(select(User).where(User.email == email))
    stored = user.password_hash if user is not None else _DUMMY_HASH
    try:
        ok = _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        ok = False
    ok = ok and user is not None and user.active
    session.add(LoginAttempt(email=email[:254], ip=ip[:64], succeeded=ok))
    if not ok:
        return SignInResult()
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_signed_in_at = utcnow()
    audit.record(session, user, "user.signed_in", "user", user.id, force_id=user.force_id,
                 summary="Signed in")
    return SignInResult(user=user)


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def force_users(session: Session, force_id: int, *, active_only: bool = True) -> list[User]:
    """People in a force who can own actions."""
    query = select(User).where(User.force_id == force_id)
    if active_only:
        query = query.where(User.active.is_(True))
    return list(session.scalars(query.order_by(User.name)))


def prune_login_attempts(session: Session, *, older_than_days: int = 90) -> int:
    """Forget sign-in attempts older than the window anyone looks at (throttling uses minutes;
    90 days keeps enough to investigate an incident). The caller commits."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    return session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff)).rowcount or 0


def set_notification_preferences(session: Session, user: User, *, reminders: bool, paused_until: date | None,
                                 weekly_summary: bool) -> dict:
    """A person's own email preferences; returns what changed (and records it, if anything did)."""
    if paused_until is not None and paused_until < clock.today():
        raise ServiceError("The pause must end today or later", "paused_until")
    changes = audit.apply_changes(user, {"reminders_enabled": reminders, "reminders_paused_until": paused_until,
                                         "weekly_summary": weekly_summary})
    if changes:
        audit.record(session, user, "user.notifications_changed", "user", user.id, changes=changes,
                     force_id=user.force_id, summary="Changed email preferences")
    return changes
