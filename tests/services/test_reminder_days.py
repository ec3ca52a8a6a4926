"""Which working day each reminder goes on (docs/reminders.md#working-days-and-times).

Due-soon reminders come before the due date: one whose day is a weekend or bank holiday goes on
the working day before. Overdue ones go on the working day after. The weekly summary goes with
the first run of the week that happens on a working day, whichever day that is.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from improvement_tracker import jobs, scheduler
from improvement_tracker.extensions import db
from improvement_tracker.jobs import reminders as reminders_job
from improvement_tracker.models import Action, ReminderClaim
from improvement_tracker.services import settings as reminder_settings
from improvement_tracker.services.settings import ReminderSettings
from improvement_tracker.services.working_days import is_working_day
from tests import factories
from tests.services.test_reminders import _action  # told long ago: no assignment item


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _run_every_day(mail_app, handler, days: list[date], address: str) -> dict[date, list[str]]:
    """The 07:00 run on each day, twice (a rerun sends nothing); the plain text `address` got each day."""
    got: dict[date, list[str]] = {}
    for day in days:
        before = len(handler.messages)
        scheduler.daily_reminders(mail_app, day)
        scheduler.daily_reminders(mail_app, day)
        mine = [m for m in handler.messages[before:] if m["To"] == address]
        if mine:
            got[day] = [m.get_body(("plain",)).get_content() for m in mine]
    return got


# --- due soon: the working day before ---------------------------------------------------------

def test_an_action_due_the_day_after_good_friday_is_reminded_before_it(mail_app, smtp_server):
    """Due on Saturday 27 March 2027: the 1-day reminder falls on Good Friday and goes on Thursday,
    the 7-day one falls on a Saturday and goes on the Friday before; a milestone is treated alike."""
    handler, _ = smtp_server
    owner = factories.create_user("action_owner", email="o@example.police.uk")
    _action(owner, "A", date(2027, 3, 27))
    later = _action(owner, "M", date(2027, 12, 1))
    factories.create_milestone(db.session.get(Action, later.id), "Course designed", due=date(2027, 3, 27))

    got = _run_every_day(mail_app, handler, _days(date(2027, 3, 1), date(2027, 3, 31)), "o@example.police.uk")

    assert sorted(got) == [date(2027, 3, d) for d in (1, 19, 25, 30, 31)]
    assert all(len(texts) == 1 for texts in got.values()), "one digest a day"
    expected = {1: "Due in 26 days", 19: "Due in 8 days", 25: "Due in 2 days",
                30: "3 days overdue (was due 27 March 2027)", 31: "4 days overdue (was due 27 March 2027)"}
    for day, label in expected.items():
        [text] = got[date(2027, 3, day)]
        assert text.count(label) == 2, (day, text)  # the action and the milestone
        assert "* A: " in text and "milestone “Course designed”" in text
    for day in (1, 19, 25):
        assert "(27 March 2027)" in got[date(2027, 3, day)][0]


def _claimed_on(days: list[date]) -> dict[str, date]:
    """Run the 07:00 job on each day (as the scheduler does) and note the day each key was claimed."""
    claimed: dict[str, date] = {}
    for day in days:
        reminders_job.daily(jobs.transactions(db.session), day)
        db.session.expire_all()
        for key in db.session.scalars(select(ReminderClaim.dedupe_key)):
            claimed.setdefault(key, day)
    return claimed


def _working_day(day: date, step: int) -> date:
    while not is_working_day(day):
        day += timedelta(days=step)
    return day


@pytest.mark.parametrize("dues", [
    _days(date(2027, 3, 20), date(2027, 4, 6)),  # weekends, Good Friday and Easter Monday
    _days(date(2027, 12, 20), date(2028, 1, 7)),  # Christmas and New Year, with substitute days
], ids=["easter-2027", "christmas-2027"])
def test_every_due_soon_reminder_comes_before_the_due_date_on_the_working_day_before(app, dues):
    owner = factories.create_user("action_owner")
    actions = {_action(owner, f"D{due:%m%d}", due).id: due for due in dues}
    claimed = _claimed_on(_days(dues[0] - timedelta(days=35), dues[-1] + timedelta(days=5)))

    by_action: dict[int, dict[str, date]] = defaultdict(dict)
    for key, day in claimed.items():
        kind, _, action_id, due, _, threshold = key.split(":")
        by_action[int(action_id)][f"{kind}:{threshold}"] = day
    for action_id, due in actions.items():
        sent = by_action[action_id]
        # Each due-soon threshold once, on the last working day on or before its calendar day.
        assert {k: v for k, v in sent.items() if k.startswith("due_soon")} == {
            f"due_soon:{k}": _working_day(due - timedelta(days=k), -1) for k in (30, 7, 1)}, due
        assert all(day < due for k, day in sent.items() if k.startswith("due_soon")), due
        # Overdue ones still wait for the working day after.
        assert min(day for k, day in sent.items() if k.startswith("overdue")) == \
            _working_day(due + timedelta(days=1), 1), due


def test_due_soon_thresholds_on_the_same_working_day_make_one_item(mail_app, smtp_server):
    """2 and 1 days before Monday 8 March 2027 are the weekend: both go on Friday 5th, as one item."""
    handler, _ = smtp_server
    admin = factories.create_user("admin", None)
    reminder_settings.save(db.session, ReminderSettings(due_soon_days=(2, 1)), actor=admin)
    db.session.commit()
    owner = factories.create_user("action_owner", email="o@example.police.uk")
    _action(owner, "A", date(2027, 3, 8))

    got = _run_every_day(mail_app, handler, _days(date(2027, 3, 1), date(2027, 3, 8)), "o@example.police.uk")

    assert list(got) == [date(2027, 3, 5)]
    [text] = got[date(2027, 3, 5)]
    assert text.count("Due in 3 days (8 March 2027)") == 1
    claims = db.session.scalars(select(ReminderClaim).where(ReminderClaim.kind == "due_soon")).all()
    assert [c.threshold for c in claims] == ["1d before"]


# --- the weekly summary -----------------------------------------------------------------------

def test_a_missed_monday_run_still_sends_the_weekly_summary_once(mail_app, smtp_server):
    handler, _ = smtp_server
    factories.create_user("programme_manager", email="pat@example.police.uk")
    factories.create_user("oversight", None, email="ollie@example.gov.uk")
    owner = factories.create_user("action_owner", email="o@example.police.uk")
    _action(owner, "A", date(2027, 3, 5))

    def weekly(day: date) -> list[tuple[str, str]]:
        before = len(handler.messages)
        scheduler.daily_reminders(mail_app, day)
        return sorted((m["To"], m.get_body(("plain",)).get_content()) for m in handler.messages[before:]
                      if m["Subject"].startswith("Weekly summary"))

    assert [to for to, _ in weekly(date(2027, 3, 1))] == ["ollie@example.gov.uk", "pat@example.police.uk"]
    # Monday 8 March: the scheduler was down. Tuesday's run sends the week's summaries, as at Tuesday.
    tuesday = weekly(date(2027, 3, 9))
    assert [to for to, _ in tuesday] == ["ollie@example.gov.uk", "pat@example.police.uk"]
    assert "weekly national summary of the forces' improvement plans, as at 9 March 2027." in tuesday[0][1]
    assert "Avon and Somerset improvement plan, as at 9 March 2027." in tuesday[1][1]
    assert "A: Train investigators in suspect-focused investigation – 4 days overdue" in tuesday[1][1]
    assert weekly(date(2027, 3, 9)) == []  # a second Tuesday run
    assert weekly(date(2027, 3, 10)) == []
    assert weekly(date(2027, 3, 12)) == []
    # The next week starts afresh.
    assert [to for to, _ in weekly(date(2027, 3, 15))] == ["ollie@example.gov.uk", "pat@example.police.uk"]
    keys = db.session.scalars(select(ReminderClaim.threshold).where(ReminderClaim.kind == "weekly_summary"))
    assert sorted(keys) == ["2027-W09", "2027-W09", "2027-W10", "2027-W10", "2027-W11", "2027-W11"]


def test_the_weekly_national_summary_lists_commitments_with_forces_newly_overdue(mail_app, smtp_server):
    from improvement_tracker.services import clock
    from improvement_tracker.services.working_days import is_working_day

    handler, _ = smtp_server
    national = factories.create_user("oversight", None, email="ollie@example.gov.uk")
    manager = factories.create_user("programme_manager", "cumbria", email="cat@cumbria.police.uk")
    deputy = factories.create_user("programme_manager", "cumbria", email="dep@cumbria.police.uk")
    due = clock.today() + timedelta(days=10)
    actions = factories.publish_commitment(national, ["cumbria", "durham", "kent"], due=due)
    cumbria = next(a for a in actions if a.force.code == "cumbria")
    from improvement_tracker.services import status

    status.apply(db.session, cumbria, "start", "", actor=manager)
    status.apply(db.session, cumbria, "request-sign-off", "Done", actor=manager)
    status.apply(db.session, cumbria, "sign-off", "", actor=deputy, no_evidence_reason="Seen the log")
    db.session.commit()
    monday = due + timedelta(days=1)
    while monday.isoweekday() != 1 or not is_working_day(monday):
        monday += timedelta(days=1)

    def national_summary(day: date) -> str:
        before = len(handler.messages)
        scheduler.daily_reminders(mail_app, day)
        [email] = [m for m in handler.messages[before:] if m["To"] == "ollie@example.gov.uk"]
        return email.get_body(("plain",)).get_content()

    first = national_summary(monday)
    assert "National commitments with forces newly overdue this week" in first
    assert ("NC-01 No victim without a phone for more than 24 hours: Durham, Kent newly overdue "
            "(2 forces overdue in all)") in first
    assert "/commitments/NC-01" in first
    # A week on, they are still overdue but no longer newly so.
    next_week = monday + timedelta(days=7)
    while not is_working_day(next_week):  # the week's first working day sends it
        next_week += timedelta(days=1)
    later = national_summary(next_week)
    assert "newly overdue" not in later
