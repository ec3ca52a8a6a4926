"""Each write applies once: the same form sent several times at once, sent again after Back, or
saved by two people from one page. Real requests at the same moment against the live server
(each in its own thread and database connection), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests
import sqlalchemy as sa
from bs4 import BeautifulSoup

from improvement_tracker.extensions import db
from improvement_tracker.models import Action, AuditEvent, DueDateChange, Evidence, ProgressUpdate
from improvement_tracker.services import clock
from tests import factories, files
from tests.conftest import error_messages

AT_ONCE = 5


class Person:
    """One person's browser against the live server: signs in through the form and sends the forms
    the pages give it, hidden fields (CSRF, one-time token, version) included."""

    def __init__(self, base: str, user) -> None:
        self.base = base
        self.http = requests.Session()
        # The session cookie is Secure; browsers send it to http://127.0.0.1 (a secure context),
        # requests does not: treat loopback as a browser does.
        page = self.page("/sign-in")
        response = self.send("/sign-in", {"csrf_token": page.select_one("input[name=csrf_token]")["value"],
                                          "email": user.email, "password": factories.PASSWORD})
        assert response.status_code == 302, "sign-in failed"

    def _loopback_is_secure(self, response: requests.Response) -> requests.Response:
        for cookie in self.http.cookies:
            cookie.secure = False
        return response

    def page(self, path: str) -> BeautifulSoup:
        response = self._loopback_is_secure(self.http.get(self.base + path))
        assert response.status_code == 200, f"GET {path}: {response.status_code}"
        return BeautifulSoup(response.text, "html.parser")

    def form(self, path: str, **answers) -> dict:
        """The hidden fields of the page's form, and the answers given."""
        form = self.page(path).select_one("main form[method=post]")
        hidden = {field["name"]: field.get("value", "") for field in form.select("input[type=hidden]")}
        return {**hidden, **answers}

    def send(self, path: str, data: dict, files: dict | None = None) -> requests.Response:
        return self._loopback_is_secure(self.http.post(self.base + path, data=data, files=files,
                                                       allow_redirects=False))


def at_once(send, times: int = AT_ONCE) -> list[requests.Response]:
    """``send()`` from ``times`` threads, released together."""
    start = threading.Barrier(times)

    def one(_):
        start.wait()
        return send()

    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(one, range(times)))


def each_tab(person: Person, path: str, forms: list[dict]) -> list[requests.Response]:
    """Each form (as opened in its own tab) sent from its own thread, all released together."""
    sent = iter(forms)
    lock = threading.Lock()

    def send():
        with lock:
            data = next(sent)
        return person.send(path, data)

    return at_once(send, len(forms))


def _count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _world():
    pm = factories.create_user("programme_manager", name="Priya Manager")
    owner = factories.create_user("action_owner", name="Owen Owner")
    action = factories.create_action(owner, title="Train investigators", due=clock.today() + timedelta(days=40))
    db.session.commit()
    return pm, owner, action


def test_the_same_status_change_sent_at_once_applies_once(app, live_server):
    pm, owner, action = _world()
    person = Person(live_server, owner)
    path = f"/actions/{action.id}/status/start"
    data = person.form(path, note="Started")

    responses = at_once(lambda: person.send(path, data))

    assert all(r.status_code in (200, 302) for r in responses), [r.status_code for r in responses]
    assert _count(ProgressUpdate, ProgressUpdate.action_id == action.id, ProgressUpdate.status_to == "in_progress") == 1
    assert _count(AuditEvent, AuditEvent.event == "action.start") == 1
    assert db.session.get(Action, action.id).status == "in_progress"


def test_the_same_status_change_from_separate_pages_at_once_applies_once(app, live_server):
    """Not one form sent twice but five pages opened and sent together: the row's version decides."""
    pm, owner, action = _world()
    person = Person(live_server, owner)
    path = f"/actions/{action.id}/status/start"
    forms = [person.form(path, note="Started") for _ in range(AT_ONCE)]
    responses = each_tab(person, path, forms)

    assert all(r.status_code in (200, 302) for r in responses)
    assert _count(ProgressUpdate, ProgressUpdate.action_id == action.id, ProgressUpdate.status_to == "in_progress") == 1
    refused = [r for r in responses if r.status_code == 200]
    for response in refused:  # the losers are told, on the form
        text = BeautifulSoup(response.text, "html.parser").get_text(" ", strip=True)
        assert "nothing you sent was saved" in text or "cannot be moved that way now" in text


def test_the_same_due_date_change_sent_at_once_is_one_re_plan(app, live_server):
    pm, owner, action = _world()
    person = Person(live_server, pm)
    path = f"/actions/{action.id}/due-date"
    new = clock.today() + timedelta(days=90)
    data = person.form(path, **{"due_date": [str(new.day), str(new.month), str(new.year)],
                                "reason": "Trainers booked later"})

    at_once(lambda: person.send(path, data), 2)

    assert _count(DueDateChange, DueDateChange.action_id == action.id) == 1
    assert db.session.get(Action, action.id).current_due_date == new


def test_the_same_file_uploaded_three_times_at_once_is_stored_once(app, live_server):
    pm, owner, action = _world()
    person = Person(live_server, owner)
    path = f"/actions/{action.id}/evidence/new"
    register = files.pdf("Attendance register")
    forms = [person.form(path, description="Attendance register") for _ in range(3)]
    sent = iter(forms)
    lock = threading.Lock()

    def send():
        with lock:
            data = next(sent)
        return person.send(path, data, files={"files": ("register.pdf", register, "application/pdf")})

    responses = at_once(send, 3)

    assert sorted(r.status_code for r in responses) == [200, 200, 302]
    assert _count(Evidence, Evidence.action_id == action.id) == 1
    for response in responses:
        if response.status_code == 200:
            assert "already on this action" in response.text


def test_a_progress_update_sent_twice_at_once_or_again_after_back_is_stored_once(app, live_server):
    pm, owner, action = _world()
    person = Person(live_server, owner)
    path = f"/actions/{action.id}/updates/new"
    data = person.form(path, text="Two courses booked")

    responses = at_once(lambda: person.send(path, data), 2)
    assert [r.status_code for r in responses] == [302, 302]
    assert _count(ProgressUpdate, ProgressUpdate.action_id == action.id) == 1

    # Back, and submit the same page again: the first result, not a second update.
    again = person.send(path, data)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/actions/{action.id}")
    shown = person.page(f"/actions/{action.id}").get_text(" ", strip=True)
    assert "You sent this form more than once. It was saved once" in shown
    assert _count(ProgressUpdate, ProgressUpdate.action_id == action.id) == 1

    # A new page is a new update.
    person.send(path, person.form(path, text="Third course booked"))
    assert _count(ProgressUpdate, ProgressUpdate.action_id == action.id) == 2


def test_a_milestone_move_pressed_twice_moves_it_once(app, live_server):
    pm, owner, action = _world()
    for title in ("First", "Second", "Third"):
        factories.create_milestone(action, title)
    db.session.commit()
    person = Person(live_server, pm)
    page = person.page(f"/actions/{action.id}")
    form = next(f for f in page.select("form[method=post]") if "/move/down" in f["action"])
    data = {field["name"]: field.get("value", "") for field in form.select("input[type=hidden]")}

    person.send(form["action"], data)
    person.send(form["action"], data)  # the same button again, after Back

    db.session.expire_all()
    titles = [m.title for m in sorted(db.session.get(Action, action.id).milestones, key=lambda m: m.position)]
    assert titles == ["Second", "First", "Third"]


def test_a_save_from_an_older_page_does_not_undo_a_colleagues_change(app, live_server):
    pm, owner, action = _world()
    colleague = factories.create_user("programme_manager", name="Cara Colleague")
    db.session.commit()
    mine, theirs = Person(live_server, pm), Person(live_server, colleague)
    path = f"/actions/{action.id}/edit"
    my_form = mine.form(path)  # both open the edit page
    their_form = theirs.form(path)
    page = mine.page(path)
    answers = {field["name"]: field.get("value", "") for field in page.select("main form input[type=text]")}
    answers |= {"pillar_id": str(action.pillar_id), "owner_id": str(owner.id), "priority": "medium",
                "description": "", "success_measure": ""}

    # A change the form does not show (the owner's progress update) is no reason to stop a save.
    updater = Person(live_server, owner)
    update_path = f"/actions/{action.id}/updates/new"
    assert updater.send(update_path, updater.form(update_path, text="Courses booked")).status_code == 302
    response = mine.send(path, {**my_form, **answers, "description": "Two courses a month"})
    assert response.status_code == 302, BeautifulSoup(response.text, "html.parser").select_one(".govuk-error-summary")
    my_form = mine.form(path)

    saved = theirs.send(path, {**their_form, **answers, "description": "Two courses a month",
                               "title": "Train every investigator"})
    assert saved.status_code == 302

    # Now a change to the same field: refused, shown, nothing written.
    stale = mine.send(path, {**my_form, **answers, "description": "Two courses a month",
                             "title": "Train some investigators"})
    assert stale.status_code == 200
    page = BeautifulSoup(stale.text, "html.parser")
    assert "Someone else changed this action while you were editing it, so nothing has been saved" in \
        page.select_one(".govuk-error-summary").get_text(" ", strip=True)
    assert any(m.startswith("Cara Colleague changed this to “Train every investigator”") for m in error_messages(page))
    assert page.select_one("input[name=title]")["value"] == "Train some investigators"  # what I typed, kept
    db.session.expire_all()
    assert db.session.get(Action, action.id).title == "Train every investigator"
    assert db.session.get(Action, action.id).description == "Two courses a month"

    # Having looked, saving again keeps my answer.
    again = {field["name"]: field.get("value", "") for field in page.select("main form input[type=hidden]")}
    assert mine.send(path, {**again, **answers, "description": "Two courses a month",
                            "title": "Train some investigators"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Action, action.id).title == "Train some investigators"
