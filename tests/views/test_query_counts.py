"""How many SQL queries each page issues: at most 20, and the same however many rows it shows.

The benchmark (benchmarks/run.py) counts them on the national dataset with the same counter
(benchmarks/query_count.py); this keeps them from creeping back up. Each page is counted on a
small generated plan, then again after a bigger plan is generated into the same forces: a count
that grows with the rows is an N+1.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from benchmarks.query_count import counting_queries
from improvement_tracker.demo import national
from improvement_tracker.demo.national_people import DOMAIN, PASSWORD
from improvement_tracker.extensions import db
from improvement_tracker.models import (
    Action,
    Commitment,
    CommitmentForce,
    Force,
    Milestone,
    QuarterlyReturn,
    ReportingPeriod,
    User,
)
from improvement_tracker.services import clock, dashboards, reporting_periods
from improvement_tracker.services.storage import LocalStorage

MAX_QUERIES = 20


def generate(tmp_path, seed: int, actions: int) -> None:
    national.generate(db.session, forces=2, actions_per_force=actions, seed=seed, today=clock.today(),
                      storage=LocalStorage(tmp_path / "uploads"), max_upload=1024 * 1024, commit=db.session.commit,
                      snapshot_days=3, reminder_days=5)
    dashboards.refresh_national_cache(db.session, clock.today())
    db.session.commit()


def pages(seed: int) -> list[tuple[str, str, str]]:
    """(name, who, path) for every page the benchmark measures, and a few more lists."""
    domain = DOMAIN
    pm = db.session.scalar(select(User).where(User.email.like(f"pm.%.s{seed}@{domain}")).order_by(User.email))
    code = db.session.get(Force, pm.force_id).code
    # The seed's owner with the most open actions, and their in-progress action with the most
    # milestones: the fullest "My actions" and action page, in the same state for both plans.
    owner = db.session.scalar(
        select(User).join(Action, Action.owner_id == User.id)
        .where(User.email.like(f"owner%.s{seed}@{domain}"), Action.status == "in_progress")
        .group_by(User.id).order_by(func.count(Action.id).desc(), User.id).limit(1))
    action = db.session.scalar(
        select(Action.id).join(Milestone, Milestone.action_id == Action.id)
        .where(Action.owner_id == owner.id, Action.status == "in_progress")
        .group_by(Action.id).order_by(func.count(Milestone.id).desc(), Action.id).limit(1))
    oversight = f"oversight1.s{seed}@{domain}"
    # The force's newest submitted return version (demo generate gives every force four quarters).
    year, quarter, number = db.session.execute(
        select(ReportingPeriod.financial_year, ReportingPeriod.quarter, QuarterlyReturn.latest_version)
        .join(QuarterlyReturn, QuarterlyReturn.period_id == ReportingPeriod.id)
        .where(QuarterlyReturn.force_id == pm.force_id, QuarterlyReturn.latest_version > 0)
        .order_by(ReportingPeriod.financial_year.desc(), ReportingPeriod.quarter.desc()).limit(1)).one()
    version = f"/forces/{code}/returns/{reporting_periods.slug(reporting_periods.Quarter(year, quarter))}"
    # The newest national commitment the force carries (each seed's generate publishes its own).
    commitment = db.session.scalar(
        select(Commitment.reference).join(CommitmentForce, CommitmentForce.commitment_id == Commitment.id)
        .where(CommitmentForce.force_id == pm.force_id, Commitment.state == "published")
        .order_by(Commitment.id.desc()).limit(1))
    return [
        ("national returns", oversight, "/returns"),
        ("return version", oversight, f"{version}/versions/{number}"),
        ("return board paper", oversight, f"{version}/versions/{number}/board-paper"),
        ("force returns", pm.email, f"/forces/{code}/returns"),
        ("return", pm.email, version),
        ("national dashboard", oversight, "/dashboards/national"),
        ("national dashboard, filtered", oversight, "/dashboards/national?cohort=pathfinder"),
        ("pillar dashboard", oversight, "/dashboards/pillars/P2"),
        ("forces", oversight, "/forces"),
        ("force dashboard", pm.email, f"/forces/{code}/dashboard"),
        ("to do", pm.email, "/todo"),
        ("force plan", pm.email, f"/forces/{code}"),
        ("force plan, filtered", pm.email, f"/forces/{code}?pillar=P2&status=in_progress"),
        ("force plan CSV", pm.email, f"/forces/{code}/plan.csv"),
        ("evidence awaiting review", pm.email, f"/forces/{code}/evidence"),
        ("reminders ledger", pm.email, f"/forces/{code}/reminders"),
        ("action page", owner.email, f"/actions/{action}"),
        ("action history", owner.email, f"/actions/{action}/history"),
        ("my actions", owner.email, "/my-actions"),
        ("my actions CSV", owner.email, "/my-actions.csv"),
        ("national outcomes", oversight, "/outcomes"),
        ("national outcomes, referrals", oversight, "/outcomes?measure=referrals"),
        ("force outcomes", pm.email, f"/forces/{code}/outcomes"),
        ("outcomes history", pm.email, f"/forces/{code}/outcomes/history"),
        ("commitments", oversight, "/commitments"),
        ("commitment page", oversight, f"/commitments/{commitment}"),
        ("commitment page, own force", pm.email, f"/commitments/{commitment}"),
        # Search: a word of every force's deep dive (results of several kinds), one kind's second page,
        # a programme manager's force, and an owner looking up their action by its reference.
        ("search", oversight, "/search?q=investigators"),
        ("search, one kind", oversight, "/search?q=victim&kind=actions&page=2"),
        ("search, own force", pm.email, "/search?q=investigators+victims"),
        ("search, own actions", owner.email,
         f"/search?q={db.session.scalar(select(Action.reference).where(Action.id == action))}"),
    ]


def count_queries(client_request, seed: int) -> dict[str, int]:
    counts = {}
    signed_in = None
    for name, email, path in pages(seed):
        if email != signed_in:
            client_request.login(db.session.scalar(select(User).where(User.email == email)),
                                 password=PASSWORD)
            signed_in = email
        with counting_queries(db.engine) as statements:
            if path.endswith(".csv"):
                response = client_request.client.get(path)
                assert response.status_code == 200, path
            else:
                client_request.get(path)
        counts[name] = len(statements)
    return counts


@pytest.mark.parametrize("bigger", [60])
def test_no_page_issues_more_than_20_queries_or_more_for_more_rows(app, client_request, tmp_path, bigger):
    generate(tmp_path, seed=1, actions=10)
    small = count_queries(client_request, seed=1)
    # A bigger plan in the same two forces, seen by its own people: every page shows far more rows.
    generate(tmp_path, seed=2, actions=bigger)
    big = count_queries(client_request, seed=2)
    # Each seed's plans, and the two national commitments each seed gives its forces.
    assert db.session.scalar(select(func.count()).select_from(Action).where(Action.finding_id.is_not(None))) == (
        2 * (10 + bigger))
    assert {name: n for name, n in small.items() if n > MAX_QUERIES} == {}
    assert big == small, f"{small}\n{big}"
