"""Reminders about quarterly returns over real SMTP (docs/reminders.md#quarterly-returns): due in
10, 5 and 1 working days and overdue to the force's programme managers, overdue for 5 working days
to oversight, questions to the managers and answers to whoever asked; each once, in the
recipient's one digest of the run.

Q2 2026-27 ends on 30 September 2026; its returns are due on Wednesday 21 October 2026 (15 working
days later), so the reminders fall on 7, 14 and 20 October, the overdue one on 22 October and the
national team's on 28 October.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest
from flask import Flask, url_for
from sqlalchemy import func, select

from improvement_tracker import scheduler
from improvement_tracker.extensions import db
from improvement_tracker.models import Action, Force, QuarterlyReturn, ReminderClaim, ReturnVersion, User
from improvement_tracker.services import clock, plan_version, reporting_periods, return_reviews
from improvement_tracker.services.working_days import working_day_on_or_after
from tests import factories

BASE = "https://tracker.example.gov.uk"
DUE = date(2026, 10, 21)
OCTOBER = [date(2026, 10, 1) + timedelta(days=n) for n in range(31)]


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


@pytest.fixture
def returns_app(mail_app: Flask) -> Flask:
    """The mail app, whose emails link to a return's page and a version's page."""
    return mail_app


def _link(app: Flask, endpoint: str, anchor: str | None = None, **args) -> str:
    with app.test_request_context(base_url=BASE):
        return url_for(endpoint, _external=True, _anchor=anchor, **args)


def _text(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _html(message) -> str:
    return message.get_body(("html",)).get_content()


def _run_days(app: Flask, handler, days: list[date]) -> dict[str, dict[date, list]]:
    """The 07:00 run on each day, twice (the rerun must send nothing): each address's emails by day,
    weekly summaries left out."""
    got: dict[str, dict[date, list]] = defaultdict(lambda: defaultdict(list))
    for day in days:
        before = len(handler.messages)
        scheduler.daily_reminders(app, day)
        scheduler.daily_reminders(app, day)
        for message in handler.messages[before:]:
            if not message["Subject"].startswith("Weekly summary"):
                got[message["To"]][day].append(message)
    return got


def _return_keys(user: User) -> list[str]:
    """The keys of the user's reminders about returns, in the order they were claimed."""
    return list(db.session.scalars(select(ReminderClaim.dedupe_key).where(
        ReminderClaim.recipient_id == user.id, ReminderClaim.kind.like("return%")).order_by(ReminderClaim.id)))


def _action(owner: User, reference: str, due: date) -> Action:
    """An action assigned and updated long before the days run here (no assignment or stale item)."""
    action = factories.create_action(owner, reference=reference, due=due)
    action.assigned_at = action.last_update_at = datetime(2026, 1, 5, 9, 0)
    plan_version.changed(db.session, action.force_id)
    db.session.commit()
    return action


def _people() -> dict[str, User]:
    people = {
        "pat": factories.create_user("programme_manager", email="pat@example.police.uk", name="Pat Manager"),
        "priya": factories.create_user("programme_manager", email="priya@example.police.uk", name="Priya Manager"),
        "gone": factories.create_user("programme_manager", email="gone@example.police.uk", active=False),
        "olive": factories.create_user("action_owner", email="olive@example.police.uk", name="Olive Owner"),
        "dan": factories.create_user("programme_manager", "durham", email="dan@example.police.uk",
                                     name="Dan Durham"),
        "ollie": factories.create_user("oversight", None, email="ollie@example.gov.uk", name="Ollie Oversight"),
    }
    return people


def test_due_reminders_reach_each_forces_programme_managers_once_at_10_5_and_1_working_days(returns_app,
                                                                                          smtp_server):
    handler, _ = smtp_server
    people = _people()
    period = factories.create_period(2026, 2)
    # Durham has started a draft: nothing submitted, so it is reminded too.
    factories.create_return(people["dan"], period, today=date(2026, 10, 1))

    got = _run_days(returns_app, handler, OCTOBER[:21])

    for address in ("pat@example.police.uk", "priya@example.police.uk", "dan@example.police.uk"):
        assert sorted(got[address]) == [date(2026, 10, 7), date(2026, 10, 14), date(2026, 10, 20)], address
        assert all(len(mail) == 1 for mail in got[address].values()), "one email a day, whatever the reruns"
    for day, words in ((7, "Due in 10 working days"), (14, "Due in 5 working days"), (20, "Due in 1 working day")):
        [message] = got["pat@example.police.uk"][date(2026, 10, day)]
        assert message["Subject"] == "A quarterly return needs your attention"
        text = _text(message)
        assert "Your force's quarterly return is due soon" in text
        assert f"* Q2 2026-27 quarterly return\n  {words} (21 October 2026)\n" in text
        assert _link(returns_app, "returns.view", code="avon-and-somerset", period="2026-27-q2") in text
        assert "These quarterly returns need your attention." in text
        assert "improvement action" not in text
    [durham] = got["dan@example.police.uk"][date(2026, 10, 7)]
    assert _link(returns_app, "returns.view", code="durham", period="2026-27-q2") in _text(durham)
    # Nobody else: not the action owner, not a manager no longer active, not the national team yet.
    assert set(got) == {"pat@example.police.uk", "priya@example.police.uk", "dan@example.police.uk"}

    keys = _return_keys(people["pat"])
    force = people["pat"].force_id
    assert keys == [f"return_due:{force}:{period.id}:2026-10-21:{people['pat'].id}:{k}" for k in (10, 5, 1)]
    claim = db.session.scalar(select(ReminderClaim).where(ReminderClaim.dedupe_key == keys[0]))
    assert (claim.action_id, claim.force_id, claim.kind, claim.threshold, claim.due_date) == (
        None, force, "return_due", "10 working days before", DUE)
    assert claim.label == "Avon and Somerset Q2 2026-27 return: Due in 10 working days (21 October 2026)"


def test_a_force_that_has_submitted_is_reminded_no_more(returns_app, smtp_server):
    handler, _ = smtp_server
    people = _people()
    period = factories.create_period(2026, 2)
    quarterly_return = factories.create_return(people["pat"], period, today=date(2026, 10, 1))

    got = _run_days(returns_app, handler, OCTOBER[:7])
    assert sorted(got["pat@example.police.uk"]) == [date(2026, 10, 7)]
    factories.submit_return(people["pat"], quarterly_return, today=date(2026, 10, 8))

    got = _run_days(returns_app, handler, _days(date(2026, 10, 8), date(2026, 11, 30)))
    assert "pat@example.police.uk" not in got and "priya@example.police.uk" not in got
    # Durham has not: its manager is reminded and then told it is overdue; oversight hears of Durham only.
    assert sorted(got["dan@example.police.uk"]) == [date(2026, 10, 14), date(2026, 10, 20), date(2026, 10, 22)]
    [national] = got["ollie@example.gov.uk"][date(2026, 10, 28)]
    text = _text(national)
    assert "Durham: Q2 2026-27 quarterly return" in text and "Avon and Somerset" not in text


def test_an_overdue_return_goes_to_the_managers_then_to_oversight_after_5_working_days(returns_app, smtp_server):
    handler, _ = smtp_server
    people = _people()
    people["priya"].reminders_paused_until = date(2026, 11, 30)  # on leave: no reminders of her own
    paused_oversight = factories.create_user("oversight", None, email="otto@example.gov.uk")
    paused_oversight.reminders_enabled = False
    db.session.commit()
    factories.create_period(2026, 2)

    got = _run_days(returns_app, handler, _days(date(2026, 10, 22), date(2026, 11, 30)))

    [overdue] = got["pat@example.police.uk"][date(2026, 10, 22)]
    assert sorted(got["pat@example.police.uk"]) == [date(2026, 10, 22)]
    assert overdue["Subject"] == "A quarterly return needs your attention"
    text = _text(overdue)
    assert "Your force's quarterly return is overdue" in text
    assert "1 working day overdue (was due 21 October 2026)" in text
    assert "priya@example.police.uk" not in got

    # The national team: from 5 working days overdue, one item per force that has not submitted
    # (every force here), once, whatever their own or the managers' pauses (an escalation).
    for address in ("ollie@example.gov.uk", "otto@example.gov.uk"):
        assert sorted(got[address]) == [date(2026, 10, 28)], address
    [national] = got["ollie@example.gov.uk"][date(2026, 10, 28)]
    forces = db.session.scalar(select(func.count()).select_from(Force))
    assert national["Subject"] == f"{forces} quarterly returns need your attention"
    text = _text(national)
    assert "Overdue quarterly returns (5 working days or more)" in text
    assert text.count("  5 working days overdue (was due 21 October 2026)\n") == forces
    assert "* Durham: Q2 2026-27 quarterly return\n" in text
    assert _link(returns_app, "returns.view", code="durham", period="2026-27-q2") in text
    html = _html(national)
    assert f'<a href="{_link(returns_app, "returns.view", code="durham", period="2026-27-q2")}">' in html
    claims = db.session.scalars(select(ReminderClaim).where(ReminderClaim.kind == "return_escalation")).all()
    assert len(claims) == 2 * forces and {c.action_id for c in claims} == {None}
    assert {c.dedupe_key.split(":")[1] for c in claims} == {str(c.force_id) for c in claims}
    assert people["olive"].email not in got


def test_a_due_date_after_easter_is_reminded_on_working_days_and_rearmed_when_moved(returns_app, smtp_server):
    """Q3 2026-27's returns were due on 22 January 2027; an administrator moves them to Tuesday 30 March,
    the day after Easter Monday. The 1-working-day reminder goes on Thursday 25th (Good Friday and
    Easter Monday are not working days), the overdue one on Wednesday 31st, oversight's on 6 April."""
    handler, _ = smtp_server
    people = _people()
    admin = factories.create_user("admin", None)
    period = factories.create_period(2026, 3)
    assert period.returns_due_on == date(2027, 1, 22)

    got = _run_days(returns_app, handler, _days(date(2027, 1, 4), date(2027, 1, 12)))
    assert sorted(got["pat@example.police.uk"]) == [date(2027, 1, 8)]  # 10 working days before 22 January

    reporting_periods.change_due_date(db.session, period, date(2027, 3, 30), admin)
    db.session.commit()
    got = _run_days(returns_app, handler, _days(date(2027, 1, 13), date(2027, 4, 9)))

    assert sorted(got["pat@example.police.uk"]) == [date(2027, 3, 12), date(2027, 3, 19), date(2027, 3, 25),
                                                    date(2027, 3, 31)]
    assert "Due in 1 working day (30 March 2027)" in _text(got["pat@example.police.uk"][date(2027, 3, 25)][0])
    assert "1 working day overdue (was due 30 March 2027)" in _text(
        got["pat@example.police.uk"][date(2027, 3, 31)][0])
    assert sorted(got["ollie@example.gov.uk"]) == [date(2027, 4, 6)]
    keys = _return_keys(people["pat"])
    assert [k.split(":")[3] for k in keys] == ["2027-01-22", "2027-03-30", "2027-03-30", "2027-03-30", "2027-03-30"]


def _submitted(manager: User) -> tuple[QuarterlyReturn, ReturnVersion]:
    """Avon and Somerset's Q1 2025-26 return, submitted: long past its due date, so only its questions
    and answers can remind anyone of anything, whatever day the tests run."""
    period = factories.create_period(2025, 1)
    quarterly_return = factories.create_return(manager, period)
    return quarterly_return, factories.submit_return(manager, quarterly_return)


def _frequent_job_twice(app: Flask, handler) -> list:
    before = len(handler.messages)
    scheduler.assignments_and_outbox(app)
    scheduler.assignments_and_outbox(app)
    return handler.messages[before:]


def test_a_question_reaches_the_managers_and_its_answer_the_asker_once_through_the_frequent_job(returns_app,
                                                                                                smtp_server):
    handler, _ = smtp_server
    people = _people()
    quarterly_return, version = _submitted(people["pat"])
    question = return_reviews.ask(db.session, quarterly_return, version, factories.pillar("P2"),
                                  "Why has the <b>backlog</b> grown?", people["ollie"])
    db.session.commit()
    anchor = _link(returns_app, "return_reviews.version", f"question-{question.id}", code="avon-and-somerset",
                   period="2025-26-q1", number=1)

    sent = _frequent_job_twice(returns_app, handler)

    assert sorted(m["To"] for m in sent) == ["pat@example.police.uk", "priya@example.police.uk"]
    message = sent[0]
    assert message["Subject"] == "A question about your force's quarterly return"
    text = _text(message)
    assert "Questions about your force's quarterly return" in text
    assert "Ollie Oversight asked a question about P2" in text and "“Why has the <b>backlog</b> grown?”" in text
    assert anchor in text
    html = _html(message)
    assert "Why has the &lt;b&gt;backlog&lt;/b&gt; grown?" in html and "<b>backlog" not in html
    assert f'<a href="{anchor}">' in html
    # The next 07:00 run (the next working day) has nothing more to say about it.
    next_working_day = working_day_on_or_after(clock.today() + timedelta(days=1))
    assert _run_days(returns_app, handler, [next_working_day]) == {}

    return_reviews.answer(db.session, quarterly_return, question, "Two investigators left in August.",
                          people["priya"])
    db.session.commit()
    sent = _frequent_job_twice(returns_app, handler)

    [answer] = sent
    assert answer["To"] == "ollie@example.gov.uk"
    assert answer["Subject"] == "An answer to your question about a quarterly return"
    text = _text(answer)
    assert "A question you asked about a quarterly return has been answered." in text
    assert "Priya Manager answered your question (version 1)" in text
    assert "“Two investigators left in August.”" in text and anchor in text
    assert _run_days(returns_app, handler, [next_working_day]) == {}
    assert not handler.to(people["olive"].email)


def test_a_question_waits_for_a_paused_manager_and_goes_after_the_pause(returns_app, smtp_server):
    handler, _ = smtp_server
    people = _people()
    quarterly_return, version = _submitted(people["pat"])
    people["priya"].reminders_paused_until = clock.today()
    db.session.commit()
    return_reviews.ask(db.session, quarterly_return, version, None, "Is the plan signed off?", people["ollie"])
    db.session.commit()

    assert [m["To"] for m in _frequent_job_twice(returns_app, handler)] == ["pat@example.police.uk"]
    after_the_pause = working_day_on_or_after(clock.today() + timedelta(days=1))
    got = _run_days(returns_app, handler, [after_the_pause])
    assert list(got) == ["priya@example.police.uk"]
    assert "Ollie Oversight asked a question (version 1)" in _text(got["priya@example.police.uk"][after_the_pause][0])


def test_a_manager_with_an_action_reminder_and_a_return_reminder_gets_one_digest(returns_app, smtp_server):
    handler, _ = smtp_server
    people = _people()
    factories.create_period(2026, 2)
    # Olive's action was due on 23 September: 14 days overdue on 7 October, so Pat and Priya are told.
    _action(people["olive"], "AS-9", date(2026, 9, 23))

    got = _run_days(returns_app, handler, [date(2026, 10, 7)])

    [digest] = got["pat@example.police.uk"][date(2026, 10, 7)]
    assert digest["Subject"] == "1 improvement action and 1 quarterly return need your attention"
    text = _text(digest)
    assert "These improvement actions and quarterly returns need your attention." in text
    assert text.index("Your force's quarterly return is due soon") < text.index(
        "Overdue actions in your force (14 days or more)")
    assert "Due in 10 working days (21 October 2026)" in text and "* AS-9: " in text
    assert "Open each action to record progress" in text and "Follow each link to the return" in text
    # The owner hears about her action only.
    [owners] = got["olive@example.police.uk"][date(2026, 10, 7)]
    assert owners["Subject"] == "1 improvement action needs your attention"
    assert "return" not in _text(owners).lower()


def test_the_reminders_sent_page_and_the_dry_run_show_return_reminders(returns_app, smtp_server, client_request):
    from tests.test_cli import invoke

    handler, _ = smtp_server
    people = _people()
    factories.create_period(2026, 2)
    action = _action(people["olive"], "AS-9", date(2026, 10, 14))
    result = invoke(returns_app, ["reminders", "run", "--today", "2026-10-07", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert ("  Quarterly return due: Avon and Somerset Q2 2026-27 return: Due in 10 working days "
            "(21 October 2026)") in result.output
    _run_days(returns_app, handler, [date(2026, 10, 7)])

    client_request.login(people["pat"])
    page = client_request.get("/forces/avon-and-somerset/reminders")
    rows = [row.get_text(" ", strip=True) for row in page.select("tbody tr")]
    assert len(rows) == 3  # Olive's due-soon reminder and the two managers' return reminders
    [ours] = [row for row in rows if "Pat Manager" in row]
    assert "Avon and Somerset Q2 2026-27 return: Due in 10 working days" in ours
    assert "Quarterly return due" in ours and "working days before)" not in ours  # in words, not a threshold
    assert [row for row in rows if "Olive Owner" in row and "AS-9" in row]
    export = client_request.client.get("/forces/avon-and-somerset/reminders.csv").get_data(as_text=True)
    assert "Avon and Somerset Q2 2026-27 return: Due in 10 working days (21 October 2026)" in export
    # An action page lists its own reminders only.
    page = client_request.get(f"/actions/{action.id}")
    assert "return" not in page.select_one("#reminders + .app-table-scroll table").get_text().lower()
