"""The plan's rules (docs/rules.md): each at its boundaries, London days, and the SQL forms
agreeing with the Python forms on random plans."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from improvement_tracker.extensions import db
from improvement_tracker.models import Action, Milestone
from improvement_tracker.models.plans import STATUSES
from improvement_tracker.services import plan_queries, plan_rules, plan_version
from improvement_tracker.services.plan_rules import compute_rag, explain_rag
from tests import factories

TODAY = date(2026, 11, 27)


def rag(status="in_progress", due=None, updated_days_ago=0, overdue_milestone=False):
    last = datetime.combine(TODAY - timedelta(days=updated_days_ago), datetime.min.time()).replace(hour=12)
    return compute_rag(status=status, due_date=due, last_update_at=last,
                       has_overdue_milestone=overdue_milestone, today=TODAY)


@pytest.mark.parametrize(("due_in", "expected"), [(-1, "red"), (0, "green"), (1, "green")])
def test_overdue_starts_the_day_after_the_due_date(due_in, expected):
    assert rag(due=TODAY + timedelta(days=due_in)) == expected


def test_blocked_is_red_even_with_no_date():
    assert rag(status="blocked") == "red"


def test_an_overdue_milestone_is_amber():
    assert rag(due=TODAY + timedelta(days=200), overdue_milestone=True) == "amber"


@pytest.mark.parametrize(
    ("due_in", "updated_days_ago", "expected"),
    [
        (14, 30, "amber"),   # due within 14 days and no update for 30 days
        (15, 30, "green"),   # not yet within 14 days
        (14, 29, "green"),   # updated recently enough
        (0, 45, "amber"),    # due today, silent for weeks
    ],
)
def test_due_soon_without_recent_update_is_amber(due_in, updated_days_ago, expected):
    assert rag(due=TODAY + timedelta(days=due_in), updated_days_ago=updated_days_ago) == expected


@pytest.mark.parametrize("status", ["complete", "closed_not_needed"])
def test_finished_actions_have_no_rag(status):
    assert rag(status=status, due=TODAY - timedelta(days=100)) is None


def test_no_date_and_not_blocked_is_green():
    assert rag(due=None, updated_days_ago=400) == "green"


def test_red_beats_amber():
    assert rag(due=TODAY - timedelta(days=1), overdue_milestone=True) == "red"


def test_the_reason_says_which_rule_decided():
    last = datetime(2026, 10, 24, 12, 0)
    amber = explain_rag(status="in_progress", due_date=TODAY + timedelta(days=12), last_update_at=last,
                        has_overdue_milestone=False, today=TODAY)
    assert amber.reason == "Due in 12 days and no update for 34 days"
    assert (amber.sentence, amber.to_green) == ("Amber: due in 12 days and no update for 34 days",
                                                "add a progress update")
    assert explain_rag(status="in_progress", due_date=TODAY - timedelta(days=3), last_update_at=last,
                       has_overdue_milestone=True, today=TODAY).reason == "3 days overdue"
    assert explain_rag(status="blocked", due_date=None, last_update_at=last, has_overdue_milestone=False,
                       today=TODAY).reason == "Blocked"
    assert explain_rag(status="complete", due_date=None, last_update_at=last, has_overdue_milestone=False,
                       today=TODAY).rag is None


def test_percent_complete_leaves_out_closed_actions_and_rounds_halves_up():
    assert plan_rules.percent_complete(complete=1, actions=3, closed_not_needed=1) == 50
    assert plan_rules.percent_complete(complete=1, actions=8, closed_not_needed=0) == 13  # 12.5 → 13
    assert plan_rules.percent_complete(complete=1, actions=3, closed_not_needed=0) == 33
    assert plan_rules.percent_complete(complete=0, actions=2, closed_not_needed=2) is None
    assert plan_rules.percent_complete(complete=0, actions=0, closed_not_needed=0) is None


# --- London days ------------------------------------------------------------------------------

# An update at 00:30 on 15 June, British Summer Time, is stored as 23:30 UTC on 14 June.
HALF_PAST_MIDNIGHT_BST = datetime(2026, 6, 14, 23, 30)


def test_an_update_at_half_past_midnight_in_summer_counts_on_its_london_day():
    today = date(2026, 6, 15) + timedelta(days=29)  # 29 London days later: not yet silent for 30
    assert plan_rules.days_without_update(HALF_PAST_MIDNIGHT_BST, today) == 29
    assert compute_rag(status="in_progress", due_date=today + timedelta(days=7),
                       last_update_at=HALF_PAST_MIDNIGHT_BST, has_overdue_milestone=False, today=today) == "green"
    assert compute_rag(status="in_progress", due_date=today + timedelta(days=8),
                       last_update_at=HALF_PAST_MIDNIGHT_BST, has_overdue_milestone=False,
                       today=today + timedelta(days=1)) == "amber"


def test_the_sql_rag_counts_london_days_too(app):
    action = factories.create_action(factories.create_user(), due=date(2026, 7, 21))
    action.last_update_at = HALF_PAST_MIDNIGHT_BST
    factories.changed(action)
    db.session.commit()
    for today, expected in ((date(2026, 7, 14), "green"), (date(2026, 7, 15), "amber")):
        computed = db.session.scalar(select(plan_rules.rag_sql(today)).where(Action.id == action.id))
        assert computed == expected, today


# --- the SQL forms agree with the Python forms ---------------------------------------------------

def _random_plan(rng: random.Random, today: date, count: int) -> None:
    owner = factories.create_user()
    force_id = owner.force_id
    for n in range(count):
        action = Action(force_id=force_id, pillar_id=factories.pillar(f"P{rng.randint(1, 6)}").id,
                        reference=f"R-{n}", title="Random", owner_id=owner.id, status=rng.choice(STATUSES),
                        status_reason="Because", priority="medium",
                        current_due_date=rng.choice([None, today + timedelta(days=rng.randint(-40, 40))]),
                        # Any minute of the last 60 days, midnight in London included.
                        last_update_at=datetime.combine(today, datetime.min.time())
                        - timedelta(minutes=rng.randint(0, 60 * 24 * 60)))
        db.session.add(action)
        db.session.flush()
        for position in range(rng.randint(0, 3)):
            due = rng.choice([None, today + timedelta(days=rng.randint(-20, 20))])
            done = rng.choice([None, today - timedelta(days=rng.randint(0, 20))])
            db.session.add(Milestone(action_id=action.id, title="Step", due_date=due, completed_date=done,
                                     position=position))
    plan_version.changed(db.session, force_id)
    db.session.commit()


@pytest.mark.parametrize(("seed", "today"), [(1, date(2026, 6, 15)), (2, date(2026, 11, 27)), (3, date(2027, 3, 28))])
def test_sql_and_python_forms_agree_on_random_plans(app, seed, today):
    _random_plan(random.Random(seed), today, 120)
    actions = db.session.scalars(select(Action)).all()
    late = {m.action_id for m in db.session.scalars(select(Milestone))
            if plan_rules.milestone_is_overdue(m.due_date, m.completed_date, today)}
    assert late == set(db.session.scalars(select(Milestone.action_id).where(plan_rules.milestone_overdue_sql(today))))

    by_sql = dict(db.session.execute(select(Action.id, plan_rules.rag_sql(today))).all())
    by_python = {a.id: compute_rag(status=a.status, due_date=a.current_due_date, last_update_at=a.last_update_at,
                                   has_overdue_milestone=a.id in late, today=today) for a in actions}
    assert by_sql == by_python
    assert {r.rag for r in plan_queries.rags_for(db.session, actions, today).values()} <= {None, "red", "amber",
                                                                                          "green"}
    assert {k: v.rag for k, v in plan_queries.rags_for(db.session, actions, today).items()} == by_python

    for sql, python in (
        (plan_rules.overdue_sql(today), lambda a: plan_rules.is_overdue(a.status, a.current_due_date, today)),
        (plan_rules.due_within_sql(today, 14),
         lambda a: plan_rules.is_due_within(a.status, a.current_due_date, today, 14)),
        (plan_rules.open_sql(), lambda a: plan_rules.is_open(a.status)),
    ):
        assert set(db.session.scalars(select(Action.id).where(sql))) == {a.id for a in actions if python(a)}
    # Every colour and both kinds of "no RAG" turn up, so the comparison above means something.
    assert set(by_python.values()) == {None, "red", "amber", "green"}
