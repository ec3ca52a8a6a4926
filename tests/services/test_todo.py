"""A programme manager's to-do (services.todo): what waits for them, counted by the plan's own rules."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from benchmarks.query_count import counting_queries
from improvement_tracker.extensions import db
from improvement_tracker.models import Action
from improvement_tracker.services import (
    clock,
    commitment_reviews,
    commitments,
    plan_rules,
    return_reviews,
    status,
    todo,
)
from tests import factories, files


@pytest.fixture
def people(app):
    return {
        "pm": factories.create_user("programme_manager", name="Priya Manager"),
        "deputy": factories.create_user("programme_manager", name="Dev Deputy"),
        "owner": factories.create_user("action_owner", name="Owen Owner"),
        "national": factories.create_user("oversight", None, name="Olu National"),
    }


def for_pm(people) -> todo.ToDo:
    db.session.expire_all()
    pm = people["pm"]
    return todo.for_manager(db.session, pm, factories.force(), clock.today())


def asked_for_sign_off(action: Action, by) -> Action:
    if action.status == "not_started":
        status.apply(db.session, action, "start", "", actor=by)
    status.apply(db.session, action, "request-sign-off", "Done", actor=by)
    db.session.commit()
    return action


def quiet_for(action: Action, days: int) -> None:
    """The action's newest update was ``days`` London days ago (at noon)."""
    day = clock.today() - timedelta(days=days)
    action.last_update_at = datetime.combine(day, time(12))
    factories.changed(action)
    db.session.commit()


def test_nothing_waits_in_an_empty_plan(people):
    found = for_pm(people)
    assert found == todo.ToDo(0, 0, [], 0, [], 0)
    assert found.no_update_days == plan_rules.RAG_NO_UPDATE_DAYS == 30


def test_evidence_to_review_is_what_this_manager_may_review(people):
    action = factories.create_action(people["owner"], status="in_progress")
    factories.create_evidence(action, people["owner"], name="register.pdf")
    factories.create_evidence(action, people["owner"], files.png(), "chart.png")
    factories.create_evidence(action, people["pm"], files.txt(), "notes.txt")  # theirs: someone else reviews it
    reviewed = factories.create_evidence(action, people["owner"], files.docx(), "policy.docx")
    from improvement_tracker.services import evidence

    evidence.review(db.session, reviewed, "accepted", "", actor=people["deputy"])
    withdrawn = factories.create_evidence(action, people["owner"], files.pdf("An old register"), "old.pdf")
    evidence.withdraw(db.session, withdrawn, "Wrong file", actor=people["owner"])
    db.session.commit()
    durham = factories.create_user("action_owner", "durham")
    factories.create_evidence(factories.create_action(durham, status="in_progress"), durham)

    found = for_pm(people)
    assert (found.evidence_to_review, found.evidence_for_someone_else) == (2, 1)


def test_awaiting_sign_off_lists_only_what_four_eyes_lets_this_manager_sign(people):
    pm, deputy, owner = people["pm"], people["deputy"], people["owner"]
    theirs = asked_for_sign_off(factories.create_action(owner, reference="AS-1", title="Owner's"), owner)
    asked_by_pm = asked_for_sign_off(factories.create_action(owner, reference="AS-2"), pm)
    owned_by_pm = asked_for_sign_off(factories.create_action(pm, reference="AS-3"), deputy)
    factories.create_evidence(theirs, owner)  # one file still to review before it can be signed off
    ready = asked_for_sign_off(factories.create_action(owner, reference="AS-4", due=clock.today()), owner)
    factories.create_action(owner, reference="AS-5", status="in_progress")

    found = for_pm(people)
    assert [(a.reference, a.evidence_awaiting_review, a.ready_to_sign_off) for a in found.awaiting_your_sign_off] == [
        ("AS-4", 0, True), ("AS-1", 1, False)]  # due dates first, then none
    assert found.awaiting_another_signer == 2
    assert found.awaiting_your_sign_off[1].owner_name == "Owen Owner"
    # The deputy may sign off what the manager asked for, but not AS-3, whose sign-off they asked for.
    as_deputy = todo.for_manager(db.session, deputy, factories.force(), clock.today())
    assert sorted(a.reference for a in as_deputy.awaiting_your_sign_off) == ["AS-1", "AS-2", "AS-4"]
    assert as_deputy.awaiting_another_signer == 1
    assert {asked_by_pm.status, owned_by_pm.status, ready.status} == {"awaiting_sign_off"}


def test_may_sign_off_now_is_four_eyes_and_nothing_awaiting_review(people):
    pm, owner = people["pm"], people["owner"]
    action = asked_for_sign_off(factories.create_action(owner), owner)
    assert todo.may_sign_off_now(db.session, pm, action)
    item = factories.create_evidence(action, owner)
    assert not todo.may_sign_off_now(db.session, pm, action)
    from improvement_tracker.services import evidence

    evidence.review(db.session, item, "accepted", "", actor=pm)
    db.session.commit()
    assert todo.may_sign_off_now(db.session, pm, action)
    assert not todo.may_sign_off_now(db.session, owner, action)  # action owners never sign off
    own = asked_for_sign_off(factories.create_action(owner, reference="ASKED"), pm)
    assert not todo.may_sign_off_now(db.session, pm, own)  # they asked for its sign-off
    assert todo.may_sign_off_now(db.session, people["deputy"], own)
    started = factories.create_action(owner, reference="STARTED", status="in_progress")
    assert not todo.may_sign_off_now(db.session, pm, started)


def test_overdue_with_no_update_uses_the_plan_rules(people):
    owner, today = people["owner"], clock.today()
    cases = {
        "QUIET-30": (today - timedelta(days=3), "in_progress", 30),  # 30 days without an update: listed
        "QUIET-29": (today - timedelta(days=3), "in_progress", 29),  # 29: not yet
        "QUIET-90": (today - timedelta(days=60), "blocked", 90),
        "DUE-TODAY": (today, "in_progress", 45),  # due today is not overdue
        "NO-DATE": (None, "in_progress", 200),  # no due date: never overdue
        "DONE": (today - timedelta(days=10), "complete", 100),  # finished: not open
    }
    for reference, (due, state, days) in cases.items():
        action = factories.create_action(owner, reference=reference, due=due, status=state)
        quiet_for(action, days)
    durham = factories.create_user("action_owner", "durham")
    quiet_for(factories.create_action(durham, reference="DURHAM", due=today - timedelta(days=5)), 90)

    found = for_pm(people)
    assert [(a.reference, a.days_overdue, a.days_without_update) for a in found.overdue_without_update] == [
        ("QUIET-90", 60, 90), ("QUIET-30", 3, 30)]  # most overdue first
    assert found.blocked == 1
    # The same definitions as the plan's: each listed action is overdue, and each left out is not,
    # or has had an update within the amber rule's days.
    for action in db.session.scalars(select(Action).where(Action.force_id == factories.force().id)):
        overdue = plan_rules.is_overdue(action.status, action.current_due_date, today)
        quiet = plan_rules.days_without_update(action.last_update_at, today) >= plan_rules.RAG_NO_UPDATE_DAYS
        assert (action.reference in {a.reference for a in found.overdue_without_update}) == (overdue and quiet)


def test_date_proposals_waiting_or_refused_are_listed_agreed_ones_are_not(people):
    national, pm = people["national"], people["pm"]
    actions = {reference: factories.publish_commitment(national, ["avon-and-somerset", "durham"],
                                                       reference=reference)
               for reference in ("NC-01", "NC-02", "NC-03", "NC-04")}

    def propose(reference: str, code: str = "avon-and-somerset"):
        commitment = commitments.by_reference(db.session, reference)
        member = commitments.member_of(db.session, commitment, factories.force(code).id)
        action = db.session.get(Action, member.action_id)
        proposer = pm if code == "avon-and-somerset" else factories.create_user("programme_manager", code)
        proposal = commitment_reviews.propose(db.session, commitment, member, action,
                                              action.current_due_date + timedelta(days=30), f"Later {reference}",
                                              proposer)
        db.session.commit()
        return commitment, proposal, action

    propose("NC-01")
    commitment, proposal, action = propose("NC-02")
    commitment_reviews.decide(db.session, commitment, proposal, action, False, "Every other force managed",
                              national)
    commitment, proposal, action = propose("NC-03")
    commitment_reviews.decide(db.session, commitment, proposal, action, True, "", national)
    db.session.commit()
    propose("NC-04", "durham")  # another force's

    found = for_pm(people)
    assert [(p.commitment, p.state, p.reason, p.decision_reason) for p in found.proposals] == [
        ("NC-02", "refused", "Later NC-02", "Every other force managed"), ("NC-01", "pending", "Later NC-01", None)]
    assert found.proposals[1].proposed_due_date == actions["NC-01"][0].current_due_date + timedelta(days=30)

    # A new proposal after the refusal replaces it.
    propose("NC-02")
    assert [(p.commitment, p.state) for p in for_pm(people).proposals] == [("NC-01", "pending"), ("NC-02", "pending")]


def test_a_completion_returned_by_the_national_team_is_listed_until_signed_off_again(people):
    national, pm, deputy = people["national"], people["pm"], people["deputy"]
    [action] = factories.publish_commitment(national, ["avon-and-somerset"])
    [other] = factories.publish_commitment(national, ["durham"], reference="NC-02")
    commitment = commitments.by_reference(db.session, "NC-01")
    member = commitments.member_of(db.session, commitment, factories.force().id)

    def sign_off():
        asked_for_sign_off(db.session.get(Action, action.id), pm)
        status.apply(db.session, db.session.get(Action, action.id), "sign-off", "", actor=deputy,
                     no_evidence_reason="Seen the phone log")
        db.session.commit()

    sign_off()
    assert for_pm(people).returned == []
    commitment_reviews.return_completion(db.session, commitment, member, db.session.get(Action, action.id),
                                         "Two phones were kept for a week", national)
    db.session.commit()

    [returned] = for_pm(people).returned
    assert (returned.commitment, returned.action_id, returned.status, returned.reason) == (
        "NC-01", action.id, "in_progress", "Two phones were kept for a week")
    assert other.force_id != action.force_id

    sign_off()
    assert for_pm(people).returned == []
    # Reopened by the force after its new sign-off: not the national team's return any more.
    status.apply(db.session, db.session.get(Action, action.id), "reopen", "One more check", actor=pm)
    db.session.commit()
    assert for_pm(people).returned == []


def test_questions_waiting_for_the_forces_answer(people):
    pm, national = people["pm"], people["national"]
    period = factories.create_period(2025, 3)
    quarterly_return = factories.create_return(pm, period)
    version = factories.submit_return(pm, quarterly_return)
    first = return_reviews.ask(db.session, quarterly_return, version, factories.pillar("P2"), "Why on track?",
                               national)
    second = return_reviews.ask(db.session, quarterly_return, version, None, "Who leads this?", national)
    db.session.commit()
    durham_pm = factories.create_user("programme_manager", "durham")
    durham_return = factories.create_return(durham_pm, period)
    durham_version = factories.submit_return(durham_pm, durham_return)
    return_reviews.ask(db.session, durham_return, durham_version, None, "Durham's question", national)
    db.session.commit()

    found = for_pm(people).questions
    assert [(q.id, q.quarter, q.period, q.version, q.about, q.question, q.asked_by) for q in found] == [
        (first.id, "Q3 2025-26", "2025-26-q3", 1, "P2 " + factories.pillar("P2").name, "Why on track?",
         "Olu National"),
        (second.id, "Q3 2025-26", "2025-26-q3", 1, "", "Who leads this?", "Olu National")]

    return_reviews.answer(db.session, quarterly_return, first, "Two teams trained", pm)
    db.session.commit()
    assert [q.id for q in for_pm(people).questions] == [second.id]


def test_five_queries_whatever_the_plan_holds(people):
    owner, pm = people["owner"], people["pm"]
    force = factories.force()
    with counting_queries(db.engine) as empty:
        todo.for_manager(db.session, pm, force, clock.today())
    for n in range(12):
        action = factories.create_action(owner, reference=f"A-{n}", due=clock.today() - timedelta(days=5 + n))
        quiet_for(action, 40)
        factories.create_evidence(action, owner, files.pdf(f"File {n}"), f"f{n}.pdf")
    for n in range(4):
        asked_for_sign_off(factories.create_action(owner, reference=f"S-{n}"), owner)
    force = factories.force()
    db.session.refresh(pm)  # the request's user is loaded when it signs in, not by the page
    with counting_queries(db.engine) as full:
        found = todo.for_manager(db.session, pm, force, clock.today())
    assert len(found.overdue_without_update) == 12 and len(found.awaiting_your_sign_off) == 4
    assert len(full) == len(empty) == 5, "\n\n".join(full)
