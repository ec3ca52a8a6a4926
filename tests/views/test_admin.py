"""Administration as an administrator sees it: users, pillars and forces."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from improvement_tracker.extensions import db
from improvement_tracker.models import AuditEvent, Force, User
from tests import factories
from tests.conftest import ClientRequest, error_messages, summary_errors

NEW_USER = {
    "email": "new.person@example.police.uk",
    "name": "Nia Person",
    "role": "action_owner",
    "force": "avon-and-somerset",
    "password": "river otter lantern 42",
}


@pytest.fixture
def admin(client_request):
    user = factories.create_user("admin", name="Ada Admin")
    client_request.login(user)
    return user


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def signed_in_elsewhere(app, user, password: str = factories.PASSWORD) -> ClientRequest:
    """The user, signed in on their own device."""
    return ClientRequest(app.test_client()).login(user, password)


def error_next_to(page, field: str) -> str:
    node = page.select_one(f"#{field}-error")
    assert node is not None, f"no error next to {field}: {error_messages(page)}"
    return node.get_text(" ", strip=True).removeprefix("Error:").strip()


def table_rows(page) -> list[list[str]]:
    return [[cell.get_text(" ", strip=True) for cell in row.select("th, td")]
            for row in page.select("tbody tr")]


def users_listed(page) -> dict[str, list[str]]:
    """The users table, by name (without the link's hidden words)."""
    return {row[0].removesuffix("– change").strip(): row[1:] for row in table_rows(page)}


# --- the admin home page ----------------------------------------------------------------

def test_admin_home_links_to_users_pillars_and_forces_with_counts(client_request, admin):
    factories.create_user(active=False)
    page = client_request.get("/admin/")
    assert page.h1.get_text(strip=True) == "Administration"
    links = {a.get_text(strip=True): a["href"] for a in page.select("main h2 a")}
    assert links == {"Users": "/admin/users", "Pillars": "/admin/pillars", "Forces": "/admin/forces",
                     "Reminder settings": "/admin/reminders", "Emails that could not be sent": "/admin/outbox",
                     "Scheduled jobs": "/admin/scheduler"}
    text = page.select_one("main").get_text(" ", strip=True)
    assert "2 users, 1 active" in text
    assert "6 pillars" in text
    assert "43 forces" in text


# --- adding users -----------------------------------------------------------------------

def test_admin_adds_a_user_who_can_then_sign_in(app, client_request, admin):
    page = client_request.get("/admin/users/new")
    assert page.h1.get_text(strip=True) == "Add a user"
    assert page.select_one("fieldset legend").get_text(strip=True) == "Role"
    force_options = [o.get_text(strip=True) for o in page.select("select#force option")]
    assert force_options[0] == "Not applicable" and "Avon and Somerset" in force_options

    page = client_request.post_page("/admin/users/new", NEW_USER, follow=True)
    assert "Nia Person can now sign in with new.person@example.police.uk" in page.get_text()
    assert users_listed(page)["Nia Person"] == ["new.person@example.police.uk", "Action owner",
                                                 "Avon and Somerset", "Active"]

    user = db.session.scalar(select(User).where(User.email == "new.person@example.police.uk"))
    signed_in_elsewhere(app, user, NEW_USER["password"])
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "user.created"))
    assert event.actor_id == admin.id and event.changes["role"] == [None, "action_owner"]


def test_an_oversight_user_needs_no_force(client_request, admin):
    client_request.post("/admin/users/new", {**NEW_USER, "role": "oversight", "force": ""})
    user = db.session.scalar(select(User).where(User.email == NEW_USER["email"]))
    assert user.role == "oversight" and user.force_id is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "not-an-email"}, "email",
         "Enter an email address in the correct format, like name@example.police.uk"),
        ({"password": "too short"}, "password", "Password must be 12 characters or more"),
        ({"password": "password1234"}, "password",
         "Password is too easy to guess: use three or more random words"),
        ({"force": ""}, "force", "Select the force this user works for"),
        ({"force": "atlantis"}, "force", "Unknown force: atlantis"),
        ({"name": "N" * 121}, "name", "Full name must be 120 characters or fewer"),
        ({"name": "   "}, "name", "Enter the user's full name"),
        ({"role": "superuser"}, "role", "Select a role"),
    ],
    ids=["bad-email", "short-password", "common-password", "no-force", "unknown-force", "long-name",
         "blank-name", "unknown-role"],
)
def test_a_bad_user_shows_the_error_next_to_its_field_and_saves_nothing(client_request, admin, changes, field,
                                                                      message):
    before = user_count()
    typed = {**NEW_USER, **changes}
    page = client_request.post_page("/admin/users/new", typed)

    assert error_next_to(page, field) == message
    assert summary_errors(page) == [message]
    assert page.select_one(".govuk-error-summary a")["href"] == f"#{field}"
    assert page.title.get_text().startswith("Error: Add a user")
    # What the admin typed is still there, except the password.
    assert page.select_one("input#email")["value"] == typed["email"]
    assert page.select_one("input#name")["value"] == typed["name"]
    checked = page.select_one("input[name=role][checked]")
    expected_role = None if typed["role"] == "superuser" else typed["role"]
    assert (checked["value"] if checked else None) == expected_role
    selected = page.select_one("select#force option[selected]")
    if typed["force"] in ("", "avon-and-somerset"):
        assert (selected["value"] if selected else "") == typed["force"]
    assert not page.select_one("input#password").get("value")
    assert user_count() == before


def test_an_email_already_in_use_is_refused_whatever_its_case(client_request, admin):
    factories.create_user(email="taken@example.police.uk")
    before = user_count()
    page = client_request.post_page("/admin/users/new", {**NEW_USER, "email": "Taken@Example.Police.UK"})
    assert error_next_to(page, "email") == "A user with this email address already exists"
    assert page.select_one("input#email")["value"] == "Taken@Example.Police.UK"
    assert user_count() == before


def test_an_empty_form_lists_every_missing_answer(client_request, admin):
    page = client_request.post_page("/admin/users/new", {})
    assert summary_errors(page) == ["Enter an email address", "Enter the user's full name", "Select a role",
                                    "Enter a password"]


# --- the users list ---------------------------------------------------------------------

def test_users_list_shows_each_user_with_role_force_and_status(client_request, admin):
    factories.create_user("programme_manager", "durham", name="Priya Manager")
    factories.create_user("action_owner", name="Omar Owner", active=False)
    page = client_request.get("/admin/users")
    assert page.h1.get_text(strip=True) == "Users"
    rows = {name: cells[1:] for name, cells in users_listed(page).items()}
    assert rows == {
        "Ada Admin": ["Administrator", "Not applicable", "Active"],
        "Omar Owner": ["Action owner", "Avon and Somerset", "Deactivated"],
        "Priya Manager": ["Force programme manager", "Durham", "Active"],
    }
    assert page.select_one("a.govuk-button[href='/admin/users/new']").get_text(strip=True) == "Add a user"


def test_users_list_filters_by_role_and_force(client_request, admin):
    factories.create_user("programme_manager", "durham", name="Priya Manager")
    factories.create_user("action_owner", "durham", name="Dee Owner")
    factories.create_user("action_owner", name="Omar Owner")

    def names(url):
        return list(users_listed(client_request.get(url)))

    assert names("/admin/users?role=action_owner") == ["Dee Owner", "Omar Owner"]
    assert names("/admin/users?force=durham") == ["Dee Owner", "Priya Manager"]
    assert names("/admin/users?role=action_owner&force=durham") == ["Dee Owner"]
    page = client_request.get("/admin/users?role=oversight")
    assert "No users match these filters." in page.get_text()
    assert page.select_one("select#role option[selected]")["value"] == "oversight"
    assert page.select_one("form[method=get] input[name=csrf_token]") is None


def test_users_list_shows_fifty_a_page(client_request, admin):
    for n in range(50):
        factories.create_user(name=f"Owner {n:02d}")
    page = client_request.get("/admin/users?role=action_owner")
    assert len(table_rows(page)) == 50
    assert "Showing 1 to 50 of 50 users" in page.get_text()
    assert page.select_one(".govuk-pagination") is None

    page = client_request.get("/admin/users")
    assert len(table_rows(page)) == 50
    assert "Showing 1 to 50 of 51 users" in page.get_text()
    next_link = page.select_one(".govuk-pagination__next a")["href"]
    assert next_link == "/admin/users?page=2"

    page = client_request.get("/admin/users?role=action_owner&page=2")
    assert len(table_rows(page)) == 50  # one page only: the number is clamped

    page = client_request.get(next_link)
    assert len(table_rows(page)) == 1
    assert "Showing 51 to 51 of 51 users" in page.get_text()
    assert page.select_one(".govuk-pagination__prev a")["href"] == "/admin/users?page=1"


# --- changing users ---------------------------------------------------------------------

def test_admin_moves_a_user_to_another_force_and_role(app, client_request, admin):
    user = factories.create_user("action_owner", name="Omar Owner")
    elsewhere = signed_in_elsewhere(app, user)

    page = client_request.get(f"/admin/users/{user.id}/edit")
    assert page.h1.get_text(strip=True) == "Change Omar Owner"
    assert page.select_one("input#name")["value"] == "Omar Owner"
    assert page.select_one("input[name=role][checked]")["value"] == "action_owner"
    assert page.select_one("select#force option[selected]")["value"] == "avon-and-somerset"

    page = client_request.post_page(f"/admin/users/{user.id}/edit",
                                    {"name": "Omar Owens", "role": "programme_manager", "force": "durham"},
                                    follow=True)
    assert "Changes to Omar Owens saved" in page.get_text()
    db.session.refresh(user)
    assert (user.name, user.role, user.force.code) == ("Omar Owens", "programme_manager", "durham")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "user.updated"))
    assert event.changes == {"name": ["Omar Owner", "Omar Owens"],
                             "role": ["action_owner", "programme_manager"],
                             "force": ["avon-and-somerset", "durham"]}
    # A session granted for the old role and force does not carry over.
    response = elsewhere.client.get("/my-actions")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_a_user_who_owns_open_actions_cannot_be_moved_to_another_force(client_request, admin):
    user = factories.create_user("action_owner", name="Omar Owner")
    factories.create_action(user)
    page = client_request.post_page(f"/admin/users/{user.id}/edit",
                                    {"name": "Omar Owner", "role": "action_owner", "force": "durham"})
    assert error_next_to(page, "force") == "This user owns 1 open actions in their force: reassign them first"
    assert page.select_one("select#force option[selected]")["value"] == "durham"
    db.session.refresh(user)
    assert user.force.code == "avon-and-somerset"


def test_admin_cannot_change_their_own_role(client_request, admin):
    page = client_request.get(f"/admin/users/{admin.id}/edit")
    assert "You cannot deactivate your own account" in page.get_text()
    assert page.select_one(f"form[action='/admin/users/{admin.id}/deactivate']") is None

    page = client_request.post_page(f"/admin/users/{admin.id}/edit",
                                    {"name": "Ada Admin", "role": "oversight", "force": ""})
    assert error_next_to(page, "role") == "You cannot change your own role"
    db.session.refresh(admin)
    assert admin.role == "admin"


def test_admin_can_rename_themselves_and_stay_signed_in(client_request, admin):
    client_request.post(f"/admin/users/{admin.id}/edit",
                        {"name": "Ada Lovelace", "role": "admin", "force": ""})
    page = client_request.get("/admin/users")
    assert "Ada Lovelace" in page.get_text()


def test_deactivating_a_user_ends_their_session_and_stops_sign_in(app, client_request, admin):
    colleague = factories.create_user("admin", name="Colin Colleague")
    elsewhere = signed_in_elsewhere(app, colleague)
    elsewhere.get("/admin/")

    # The button on their page asks first: who, and what will happen; nothing changes until it is confirmed.
    edit = client_request.get(f"/admin/users/{colleague.id}/edit")
    button = edit.select_one("a.govuk-button--warning")
    assert (button.get_text(strip=True), button["href"]) == ("Deactivate Colin Colleague",
                                                            f"/admin/users/{colleague.id}/deactivate")
    assert edit.select_one(f"form[action='/admin/users/{colleague.id}/deactivate']") is None
    page = client_request.get(button["href"])
    assert page.h1.get_text(strip=True) == "Are you sure you want to deactivate Colin Colleague?"
    consequences = [li.get_text(" ", strip=True) for li in page.select("main ul.govuk-list--bullet li")]
    assert consequences[:2] == ["they are signed out at once, on every device",
                                "they cannot sign in until an administrator reactivates them"]
    assert page.select_one("main a[href$='/edit']").get_text(strip=True) == "No, go back"
    db.session.refresh(colleague)
    assert colleague.active
    elsewhere.get("/admin/")
    form = page.select_one(f"form[action='/admin/users/{colleague.id}/deactivate']")
    assert form.button.get_text(strip=True) == "Yes, deactivate Colin Colleague"

    page = client_request.post_page(form["action"], {"submission_token": form.select_one(
        "input[name=submission_token]")["value"]}, follow=True)
    assert "Colin Colleague has been deactivated and signed out" in page.get_text()
    assert page.select_one(f"form[action='/admin/users/{colleague.id}/reactivate'] button").get_text(
        strip=True) == "Reactivate Colin Colleague"

    response = elsewhere.client.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    refused = ClientRequest(app.test_client())
    refused.post_page("/sign-in", {"email": colleague.email, "password": factories.PASSWORD})
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "user.deactivated"))
    assert event.actor_id == admin.id and event.changes == {"active": [True, False]}


def test_a_reactivated_user_can_sign_in_again(app, client_request, admin):
    user = factories.create_user(active=False, name="Omar Owner")
    page = client_request.post_page(f"/admin/users/{user.id}/reactivate", follow=True)
    assert "Omar Owner can sign in again" in page.get_text()
    signed_in_elsewhere(app, user)


def test_the_confirmation_page_for_yourself_or_someone_already_deactivated_has_no_button(client_request, admin):
    page = client_request.get(f"/admin/users/{admin.id}/deactivate")
    assert page.h1.get_text(strip=True) == "You cannot deactivate your own account"
    assert page.select_one("main form") is None
    gone = factories.create_user(active=False, name="Omar Owner")
    page = client_request.get(f"/admin/users/{gone.id}/deactivate")
    assert page.h1.get_text(strip=True) == "Omar Owner is already deactivated"
    assert page.select_one("main form") is None
    client_request.get("/admin/users/999999/deactivate", expected_status=404)


def test_admin_cannot_deactivate_themselves(client_request, admin):
    page = client_request.post_page(f"/admin/users/{admin.id}/deactivate", follow=True)
    banner = page.select_one(".govuk-notification-banner").get_text()
    assert "You cannot deactivate your own account" in banner
    db.session.refresh(admin)
    assert admin.active
    client_request.get("/admin/")


def test_admin_sets_a_new_password_and_old_sessions_end(app, client_request, admin):
    user = factories.create_user(name="Omar Owner")
    elsewhere = signed_in_elsewhere(app, user)
    page = client_request.get(f"/admin/users/{user.id}/edit")
    link = page.select_one(f"a[href='/admin/users/{user.id}/password']")
    assert link.get_text(" ", strip=True) == "Set a new password for Omar Owner"

    page = client_request.get(link["href"])
    assert page.h1.get_text(strip=True) == "Set a new password for Omar Owner"
    page = client_request.post_page(link["href"], {"password": "short"})
    assert error_next_to(page, "password") == "Password must be 12 characters or more"
    assert not page.select_one("input#password").get("value")

    page = client_request.post_page(link["href"], {"password": "violet harbour tram 9"}, follow=True)
    assert "New password set for Omar Owner" in page.get_text()
    assert elsewhere.client.get("/my-actions").status_code == 302
    signed_in_elsewhere(app, user, "violet harbour tram 9")
    old = ClientRequest(app.test_client())
    old.post_page("/sign-in", {"email": user.email, "password": factories.PASSWORD})


def test_admin_who_sets_their_own_password_stays_signed_in(client_request, admin):
    client_request.post(f"/admin/users/{admin.id}/password", {"password": "violet harbour tram 9"})
    client_request.get("/admin/users")


# --- pillars ----------------------------------------------------------------------------

def test_pillar_relabel_shows_on_the_pillars_page_and_is_audited(client_request, admin):
    page = client_request.get("/admin/pillars")
    assert table_rows(page)[0][:2] == ["P1", "Suspect-focused investigations"]
    assert len(table_rows(page)) == 6

    page = client_request.get("/admin/pillars/P1/edit")
    assert page.select_one("input#name")["value"] == "Suspect-focused investigations"
    page = client_request.post_page("/admin/pillars/P1/edit",
                                    {"name": "Suspect-focused investigation", "description": "New words."},
                                    follow=True)
    assert page.h1.get_text(strip=True) == "Pillars"
    assert "Pillar P1 saved" in page.get_text()
    assert table_rows(page)[0][:3] == ["P1", "Suspect-focused investigation", "New words."]

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "pillar.updated"))
    assert event.actor_id == admin.id
    assert event.object_id == factories.pillar("P1").id
    assert event.changes["name"] == ["Suspect-focused investigations", "Suspect-focused investigation"]
    assert event.changes["description"][1] == "New words."


def test_a_pillar_needs_a_name(client_request, admin):
    page = client_request.post_page("/admin/pillars/P2/edit", {"name": "", "description": "Kept"})
    assert error_next_to(page, "name") == "Enter the pillar's name"
    assert page.select_one("textarea#description").get_text() == "Kept"
    assert factories.pillar("P2").name == "Identifying and disrupting repeat suspects"


# --- forces -----------------------------------------------------------------------------

def test_admin_adds_a_force_and_can_then_add_its_users(client_request, admin):
    page = client_request.get("/admin/forces")
    assert len(table_rows(page)) == 43
    assert page.select_one("a.govuk-button[href='/admin/forces/new']")

    page = client_request.post_page("/admin/forces/new",
                                    {"name": "British Transport Police", "country": "england",
                                     "cohort": "national_2023"}, follow=True)
    assert "British Transport Police added" in page.get_text()
    row = page.select_one("#force-british-transport-police")
    assert [c.get_text(" ", strip=True) for c in row.select("th, td")][:4] == [
        "British Transport Police", "England", "National roll-out (2023)", "0"]

    page = client_request.get("/admin/users/new")
    assert page.select_one("select#force option[value=british-transport-police]")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "force.created"))
    assert event.changes["code"] == [None, "british-transport-police"]


def test_a_force_name_already_in_use_is_refused(client_request, admin):
    before = db.session.scalar(select(func.count()).select_from(Force))
    page = client_request.post_page("/admin/forces/new",
                                    {"name": "durham", "country": "england", "cohort": "pathfinder"})
    assert error_next_to(page, "name") == "A force with this name already exists"
    assert page.select_one("input#name")["value"] == "durham"
    assert page.select_one("input[name=cohort][checked]")["value"] == "pathfinder"
    assert db.session.scalar(select(func.count()).select_from(Force)) == before


def test_an_empty_force_form_lists_every_missing_answer(client_request, admin):
    page = client_request.post_page("/admin/forces/new", {})
    assert summary_errors(page) == ["Enter the force's name", "Select England or Wales", "Select a cohort"]


def test_renaming_a_force_keeps_its_web_address(client_request, admin):
    page = client_request.get("/admin/forces/durham/edit")
    assert page.h1.get_text(strip=True) == "Change Durham"
    assert [legend.get_text(strip=True) for legend in page.select("legend")] == ["Country", "Cohort"]
    assert page.select_one("input[name=country][checked]")["value"] == "england"
    client_request.post("/admin/forces/durham/edit",
                        {"name": "Durham Constabulary", "country": "england", "cohort": "expansion_2022"})
    force = factories.force("durham")
    assert (force.name, force.cohort) == ("Durham Constabulary", "expansion_2022")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "force.updated"))
    assert event.changes == {"name": ["Durham", "Durham Constabulary"],
                             "cohort": ["pathfinder", "expansion_2022"]}


# --- who may come in --------------------------------------------------------------------

ADMIN_GETS = ["/admin/", "/admin/users", "/admin/users/new", "/admin/users/{id}/edit",
              "/admin/users/{id}/password", "/admin/users/{id}/deactivate",
              "/admin/pillars", "/admin/pillars/P1/edit", "/admin/forces",
              "/admin/forces/new", "/admin/forces/durham/edit"]
ADMIN_POSTS = ["/admin/users/new", "/admin/users/{id}/edit", "/admin/users/{id}/deactivate",
               "/admin/users/{id}/reactivate", "/admin/users/{id}/password", "/admin/pillars/P1/edit",
               "/admin/forces/new", "/admin/forces/durham/edit"]


@pytest.mark.parametrize("role", ["action_owner", "programme_manager", "oversight"])
def test_other_roles_are_told_admin_pages_do_not_exist(client_request, role):
    user = factories.create_user(role)
    target = factories.create_user(name="Someone Else")
    client_request.login(user)
    for url in ADMIN_GETS:
        page = client_request.get(url.format(id=target.id), expected_status=404)
        assert page.h1.get_text(strip=True) == "Page not found"
    for url in ADMIN_POSTS:
        client_request.post(url.format(id=target.id), {"name": "Hacked", "role": "admin", "force": "",
                                                       "password": "hacked hacked hacked"},
                            expected_status=404)
    db.session.refresh(target)
    assert (target.name, target.role, target.active) == ("Someone Else", "action_owner", True)
    assert factories.pillar("P1").name == "Suspect-focused investigations"


def test_signed_out_visitors_are_sent_to_sign_in(client_request):
    response = client_request.client.get("/admin/users")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("url", ["/admin/users/999999/edit", "/admin/users/999999/password",
                                 "/admin/pillars/P9/edit", "/admin/forces/atlantis/edit",
                                 "/admin/users/nobody/edit"])
def test_unknown_users_pillars_and_forces_are_not_found(client_request, admin, url):
    client_request.get(url, expected_status=404)


def test_deactivating_an_unknown_user_is_not_found(client_request, admin):
    client_request.post("/admin/users/999999/deactivate", expected_status=404)


# --- CSRF -------------------------------------------------------------------------------

def test_a_form_without_its_csrf_token_is_refused_and_saves_nothing(client_request, admin):
    before = user_count()
    response = client_request.post("/admin/users/new", NEW_USER, csrf=False, expected_status=400)
    assert b"Your form could not be sent" in response.data
    assert user_count() == before


def test_deactivation_without_a_csrf_token_is_refused(client_request, admin):
    user = factories.create_user()
    client_request.post(f"/admin/users/{user.id}/deactivate", csrf=False, expected_status=400)
    client_request.post("/admin/pillars/P1/edit", {"name": "Changed"}, csrf=False, expected_status=400)
    db.session.refresh(user)
    assert user.active
    assert factories.pillar("P1").name == "Suspect-focused investigations"
