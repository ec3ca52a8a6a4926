"""Accounts: the rules an administrator's changes go through, whichever page or command calls them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from improvement_tracker.extensions import db
from improvement_tracker.models import AuditEvent, User
from improvement_tracker.services import users
from improvement_tracker.services.audit import ServiceError
from tests import factories

pytestmark = pytest.mark.usefixtures("app")

GOOD = {"email": "New.Person@Example.Police.UK ", "name": "  Nia Person ", "role": "action_owner",
        "force_code": "avon-and-somerset", "password": "river otter lantern 42"}


def create(**changes) -> User:
    return users.create_user(db.session, **{**GOOD, **changes}, actor=None)


def sign_in(email: str, password: str) -> users.SignInResult:
    return users.authenticate(db.session, email, password, "127.0.0.1", max_attempts=5, window_minutes=15)


# --- creating ---------------------------------------------------------------------------

def test_a_new_user_is_stored_tidily_and_can_sign_in():
    admin = factories.create_user("admin")
    user = users.create_user(db.session, **GOOD, actor=admin)
    db.session.commit()
    assert (user.email, user.name, user.role, user.force.code, user.active) == (
        "new.person@example.police.uk", "Nia Person", "action_owner", "avon-and-somerset", True)
    assert GOOD["password"] not in user.password_hash
    assert sign_in("new.person@example.police.uk", GOOD["password"]).user == user
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "user.created"))
    assert event.actor_id == admin.id and event.object_id == user.id
    assert event.changes == {"email": [None, "new.person@example.police.uk"], "name": [None, "Nia Person"],
                             "role": [None, "action_owner"], "force": [None, "avon-and-somerset"]}
    assert "river" not in str(event.changes)


def test_national_roles_never_belong_to_a_force():
    user = create(role="oversight")
    assert user.force_id is None


BAD_EMAIL = "Enter an email address in the correct format, like name@example.police.uk"
EASY = "Password is too easy to guess: use three or more random words"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "nobody"}, "email", BAD_EMAIL),
        ({"name": " "}, "name", "Enter the user's full name"),
        ({"role": "superuser"}, "role",
         "Role must be one of: admin, oversight, programme_manager, action_owner"),
        ({"force_code": None}, "force", "Select the force this user works for"),
        ({"force_code": "atlantis"}, "force", "Unknown force: atlantis"),
        ({"password": "short"}, "password", "Password must be 12 characters or more"),
        ({"password": "x" * 257}, "password", "Password must be 256 characters or fewer"),
        ({"password": "aaaaaaaaaaaaaaaa"}, "password", EASY),
        ({"password": "LetMeIn12345"}, "password", EASY),
    ],
)
def test_a_bad_new_user_is_refused_with_the_field_to_fix(changes, field, message):
    with pytest.raises(ServiceError) as refused:
        create(**changes)
    assert (refused.value.field, refused.value.message) == (field, message)
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.email == "new.person@example.police.uk")) is None


def test_the_same_email_cannot_be_used_twice_whatever_its_case():
    factories.create_user(email="new.person@example.police.uk")
    with pytest.raises(ServiceError) as refused:
        create(email="NEW.PERSON@example.police.uk")
    assert refused.value.field == "email"


# --- changing ---------------------------------------------------------------------------

def test_a_change_of_role_or_force_is_audited_and_ends_old_sessions():
    admin = factories.create_user("admin")
    user = factories.create_user("action_owner")
    old_session = user.get_id()
    changes = users.update_user(db.session, user, name=user.name, role="programme_manager",
                                force_code="durham", actor=admin)
    db.session.commit()
    assert changes == {"role": ["action_owner", "programme_manager"],
                       "force": ["avon-and-somerset", "durham"]}
    assert users.load_session_user(db.session, old_session) is None
    assert users.load_session_user(db.session, user.get_id()) == user


def test_a_new_name_alone_keeps_the_session():
    admin = factories.create_user("admin")
    user = factories.create_user("action_owner", name="Omar Owner")
    old_session = user.get_id()
    changes = users.update_user(db.session, user, name=" Omar Owens ", role="action_owner",
                                force_code="avon-and-somerset", actor=admin)
    assert changes == {"name": ["Omar Owner", "Omar Owens"]}
    db.session.commit()
    assert users.load_session_user(db.session, old_session) == user


def test_saving_without_changes_records_nothing():
    admin = factories.create_user("admin")
    user = factories.create_user("action_owner")
    assert users.update_user(db.session, user, name=user.name, role=user.role,
                             force_code="avon-and-somerset", actor=admin) == {}
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.event == "user.updated")) is None


def test_an_admin_cannot_change_their_own_role():
    admin = factories.create_user("admin")
    with pytest.raises(ServiceError) as refused:
        users.update_user(db.session, admin, name=admin.name, role="oversight", force_code=None, actor=admin)
    assert (refused.value.field, refused.value.message) == ("role", "You cannot change your own role")


def test_an_owner_of_open_actions_cannot_move_force_but_can_once_they_are_closed():
    admin = factories.create_user("admin")
    user = factories.create_user("action_owner")
    factories.create_action(user)
    factories.create_action(user, status="complete")
    with pytest.raises(ServiceError) as refused:
        users.update_user(db.session, user, name=user.name, role=user.role, force_code="durham", actor=admin)
    assert refused.value.message == "This user owns 1 open actions in their force: reassign them first"
    db.session.rollback()

    other = factories.create_user("action_owner")
    factories.create_action(other, status="closed_not_needed")
    users.update_user(db.session, other, name=other.name, role=other.role, force_code="durham", actor=admin)
    db.session.commit()
    assert other.force.code == "durham"


# --- deactivating -----------------------------------------------------------------------

def test_deactivation_ends_sessions_and_sign_in_until_reactivated():
    admin = factories.create_user("admin")
    user = factories.create_user()
    old_session = user.get_id()
    users.set_active(db.session, user, False, actor=admin)
    db.session.commit()
    assert users.load_session_user(db.session, old_session) is None
    assert users.load_session_user(db.session, user.get_id()) is None
    assert sign_in(user.email, factories.PASSWORD).user is None

    users.set_active(db.session, user, True, actor=admin)
    db.session.commit()
    assert sign_in(user.email, factories.PASSWORD).user == user
    events = db.session.scalars(select(AuditEvent.event).where(AuditEvent.object_id == user.id,
                                                               AuditEvent.object_type == "user")).all()
    assert events == ["user.deactivated", "user.activated", "user.signed_in"]


def test_setting_the_same_state_again_records_nothing():
    admin = factories.create_user("admin")
    user = factories.create_user()
    users.set_active(db.session, user, True, actor=admin)
    assert db.session.scalar(select(AuditEvent)) is None


def test_an_admin_cannot_deactivate_themselves():
    admin = factories.create_user("admin")
    with pytest.raises(ServiceError) as refused:
        users.set_active(db.session, admin, False, actor=admin)
    assert refused.value.message == "You cannot deactivate your own account"
    assert admin.active


# --- passwords and sessions -------------------------------------------------------------

def test_a_new_password_replaces_the_old_one_and_ends_sessions():
    admin = factories.create_user("admin")
    user = factories.create_user()
    old_session = user.get_id()
    users.set_password(db.session, user, "violet harbour tram 9", actor=admin)
    db.session.commit()
    assert users.load_session_user(db.session, old_session) is None
    assert sign_in(user.email, factories.PASSWORD).user is None
    assert sign_in(user.email, "violet harbour tram 9").user == user
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "user.password_set"))
    assert event.actor_id == admin.id and event.changes == {}


def test_a_weak_new_password_is_refused_and_the_old_one_still_works():
    user = factories.create_user()
    with pytest.raises(ServiceError) as refused:
        users.set_password(db.session, user, "short", actor=None)
    assert refused.value.field == "password"
    db.session.rollback()
    assert sign_in(user.email, factories.PASSWORD).user == user


@pytest.mark.parametrize("session_id", ["", "abc", "1", "1:", ":token", "999999:token", "x:y"])
def test_a_malformed_or_unknown_session_finds_nobody(session_id):
    factories.create_user()
    assert users.load_session_user(db.session, session_id) is None


def test_a_session_with_a_stale_token_finds_nobody():
    user = factories.create_user()
    assert users.load_session_user(db.session, f"{user.id}:{'0' * 32}") is None
    assert users.load_session_user(db.session, user.get_id()) == user


def test_the_nightly_housekeeping_forgets_old_sign_in_attempts_only(app):
    from datetime import timedelta

    from improvement_tracker import scheduler
    from improvement_tracker.models import LoginAttempt
    from improvement_tracker.models._types import utcnow

    now = utcnow()
    db.session.add_all([LoginAttempt(email="old@example.police.uk", ip="10.0.0.1", succeeded=False,
                                     at=now - timedelta(days=91)),
                        LoginAttempt(email="recent@example.police.uk", ip="10.0.0.1", succeeded=False,
                                     at=now - timedelta(days=89))])
    db.session.commit()
    scheduler.housekeeping(app)
    assert list(db.session.scalars(select(LoginAttempt.email))) == ["recent@example.police.uk"]
    assert "housekeeping" in {job.id for job in scheduler.build(app).get_jobs()}
