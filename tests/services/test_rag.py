"""RAG at its boundaries: the rules in PRODUCT.md §3, computed from dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from improvement_tracker.services.rag import compute_rag, rag_for_actions
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


def test_batch_rag_reads_milestones_from_the_database(app):
    owner = factories.create_user()
    today = date.today()
    late = factories.create_action(owner, due=today + timedelta(days=100))
    factories.create_milestone(late, due=today - timedelta(days=1))
    done_late = factories.create_action(owner, due=today + timedelta(days=100))
    factories.create_milestone(done_late, due=today - timedelta(days=1), done=True)
    fine = factories.create_action(owner, due=today + timedelta(days=100))
    factories.create_milestone(fine, due=today)
    from improvement_tracker.extensions import db

    result = rag_for_actions(db.session, [late, done_late, fine], today)
    assert result == {late.id: "amber", done_late.id: "green", fine.id: "green"}
