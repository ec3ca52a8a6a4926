"""Outcome figures in the demo data: the pathfinders' baseline and every ended quarter since April
2019 through the service (seed-demo), every generated force's in bulk (demo generate), with the
shapes a user would notice and the history the service would have written."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select

from improvement_tracker.demo import national
from improvement_tracker.demo.accounts import OVERSIGHT, PATHFINDERS
from improvement_tracker.demo.outcomes import covered
from improvement_tracker.demo.pathfinders import seed
from improvement_tracker.extensions import db
from improvement_tracker.models import AuditEvent, Force, OutcomeBaseline, OutcomeFigure, ReportingPeriod, User
from improvement_tracker.services import clock, outcome_rules, outcomes, reporting_periods
from improvement_tracker.services.storage import LocalStorage
from tests.conftest import _empty_tables

TYPED = {"recorded_offences", "referrals", "charges", "outcomes_assigned", "victim_withdrawals",
         "median_days_to_charge", "phones_taken", "phones_returned_24h"}
PARTS = (("charges", "recorded_offences"), ("victim_withdrawals", "outcomes_assigned"),
         ("phones_returned_24h", "phones_taken"))


def by_quarter(force: Force) -> list[tuple[ReportingPeriod, dict[str, Decimal]]]:
    """The force's figures quarter by quarter, oldest first."""
    grouped: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for figure in db.session.scalars(select(OutcomeFigure).where(OutcomeFigure.force_id == force.id)):
        grouped[figure.period_id][figure.measure.code] = figure.value
    periods = {p.id: p for p in db.session.scalars(select(ReportingPeriod).where(ReportingPeriod.id.in_(grouped)))}
    return sorted(((periods[pid], values) for pid, values in grouped.items()), key=lambda item: item[0].ends_on)


def rate(values: dict[str, Decimal], part: str, whole: str) -> Decimal | None:
    return outcome_rules.rate(values[part], values[whole])


def counts() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count()).select_from(OutcomeFigure)),
            db.session.scalar(select(func.count()).select_from(OutcomeBaseline)),
            db.session.scalar(select(func.count()).select_from(AuditEvent)))


def assert_parts_within_wholes() -> None:
    quarters: dict[tuple[int, int], dict[str, Decimal]] = defaultdict(dict)
    for figure in db.session.scalars(select(OutcomeFigure)):
        quarters[figure.force_id, figure.period_id][figure.measure.code] = figure.value
    baselines: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in db.session.scalars(select(OutcomeBaseline)):
        baselines[row.force_id][row.measure.code] = row.value
    for values in [*quarters.values(), *baselines.values()]:
        assert set(values) == TYPED
        for part, whole in PARTS:
            assert values[part] <= values[whole], (part, values)
        for code, value in values.items():
            unit = "days" if code == "median_days_to_charge" else "count"
            assert outcome_rules.typed_problem(unit, False, value) is None, (code, value)


def pathfinders() -> list[Force]:
    return list(db.session.scalars(select(Force).where(Force.cohort == "pathfinder").order_by(Force.name)))


def test_each_pathfinder_has_a_baseline_and_every_ended_quarter_since_april_2019(seeded):
    today = clock.today()
    wanted = [reporting_periods.label(q) for q in covered(today)]
    assert wanted[0] == "Q1 2019-20"
    assert wanted[-1] == reporting_periods.label(reporting_periods.quarter_of(today).preceding)
    forces = pathfinders()
    assert {f.code for f in forces} == set(PATHFINDERS)
    for force in forces:
        assert set(outcomes.baseline(db.session, force)) == TYPED
        quarters = by_quarter(force)
        assert [reporting_periods.label(p) for p, _ in quarters] == wanted
        assert all(set(values) == TYPED and outcomes.quarter_problem(p, today) is None for p, values in quarters)
    # Only the pathfinders: the other forces have no figures yet.
    assert set(db.session.scalars(select(OutcomeFigure.force_id).distinct())) == {f.id for f in forces}
    assert seeded.counts["outcome_figures"] == 5 * len(wanted) * len(TYPED)
    assert_parts_within_wholes()


def test_the_pathfinders_figures_move_as_the_year_one_report_says(seeded):
    forces = pathfinders()
    first_year = {"charges": Decimal(0), "recorded_offences": Decimal(0)}
    recorded = {}
    for force in forces:
        baseline, quarters = outcomes.baseline(db.session, force), by_quarter(force)
        latest = quarters[-1][1]
        for _, values in quarters[:4]:
            first_year["charges"] += values["charges"]
            first_year["recorded_offences"] += values["recorded_offences"]
        recorded[force.code] = baseline["recorded_offences"]
        assert latest["referrals"] >= Decimal("1.6") * baseline["referrals"], force.code
        assert rate(latest, "charges", "recorded_offences") >= Decimal("4.5"), force.code
        assert Decimal("3.0") <= rate(baseline, "charges", "recorded_offences") <= Decimal("4.2"), force.code
        assert rate(latest, "phones_returned_24h", "phones_taken") >= 85
        assert rate(baseline, "phones_returned_24h", "phones_taken") <= 40
        assert (rate(latest, "victim_withdrawals", "outcomes_assigned")
                < rate(baseline, "victim_withdrawals", "outcomes_assigned"))
        assert latest["median_days_to_charge"] < baseline["median_days_to_charge"]
        # The change the pages will show: "2.1 × the 2019 average".
        assert outcome_rules.change(latest["referrals"], baseline["referrals"], "count").value >= Decimal("1.6")
    assert Decimal("3.2") <= rate(first_year, "charges", "recorded_offences") <= Decimal("4.0")
    # The Met records many times what Durham does.
    assert recorded["metropolitan-police-service"] > 5 * recorded["durham"]
    assert recorded["metropolitan-police-service"] > max(v for k, v in recorded.items()
                                                         if k != "metropolitan-police-service")


def test_each_saving_is_in_the_history_by_the_national_team_or_the_force(seeded):
    now = datetime.now(UTC).replace(tzinfo=None)
    oversight = db.session.scalar(select(User).where(User.email == OVERSIGHT.email))
    for force in pathfinders():
        manager = db.session.scalar(select(User).where(User.email == f"pm.{force.code}@demo.police.uk"))
        events = list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.force_id == force.id, AuditEvent.event.in_(outcomes.FIGURE_EVENTS))))
        quarters = by_quarter(force)
        assert Counter(e.event for e in events) == {"outcomes.figures_saved": len(quarters),
                                                    "outcomes.baseline_saved": 1}
        periods = {p.id: p for p, _ in quarters}
        for event in events:
            assert event.at <= now
            if event.event == "outcomes.baseline_saved":
                assert event.actor_id == oversight.id
                continue
            period = periods[event.object_id]
            assert event.object_type == "outcome_figures"
            assert event.summary == f"{reporting_periods.label(period)} outcome figures"
            assert set(event.changes) == TYPED and all(old is None for old, _ in event.changes.values())
            # The last year's quarters typed by the force after they ended; older ones loaded centrally.
            assert event.actor_id in (manager.id, oversight.id)
            if event.actor_id == manager.id:
                assert event.at.date() > period.ends_on
        recent = [e for e in events if e.actor_id == manager.id]
        assert len(recent) >= 3
        history = outcomes.history(db.session, force)
        assert history[0].by == manager.name and history[-1].quarter in ("2019 baseline", "Q1 2019-20")


def test_a_second_seed_adds_no_figures(seeded):
    before = counts()
    again = seed(db.session)
    db.session.commit()
    assert not again.created and counts() == before and again.counts == seeded.counts


def generate(tmp_path, seed: int = 3, forces: int = 43) -> national.GenerateResult:
    return national.generate(db.session, forces=forces, actions_per_force=5, seed=seed, today=clock.today(),
                             storage=LocalStorage(tmp_path / "uploads"), max_upload=1024 * 1024,
                             commit=db.session.commit, snapshot_days=0, reminder_days=0)


def charge_rate_change(force: Force) -> Decimal:
    """The latest four quarters' charge rate against the baseline's, in points."""
    baseline, quarters = outcomes.baseline(db.session, force), by_quarter(force)
    latest = {code: sum(values[code] for _, values in quarters[-4:]) for code in ("charges", "recorded_offences")}
    return rate(latest, "charges", "recorded_offences") - rate(baseline, "charges", "recorded_offences")


def test_demo_generate_gives_every_force_figures_that_differ(app, tmp_path):
    result = generate(tmp_path)
    assert result.created and "outcome figures" in result.seconds
    quarters = len(covered(clock.today()))
    forces = list(db.session.scalars(select(Force).order_by(Force.name)))
    assert len(forces) == 43
    assert result.counts["outcome figures"] == 43 * quarters * len(TYPED)
    for force in forces:
        assert set(outcomes.baseline(db.session, force)) == TYPED
        assert len(by_quarter(force)) == quarters
    assert_parts_within_wholes()
    # Some forces improve a lot, some a little, some get worse: the rankings mean something.
    changes = {force.code: charge_rate_change(force) for force in forces}
    assert max(changes.values()) >= 2 and min(changes.values()) < 0
    assert sum(1 for c in changes.values() if 0 <= c < 1) >= 5
    assert len(set(changes.values())) >= 20
    sizes = {f.code: outcomes.baseline(db.session, f)["recorded_offences"] for f in forces}
    assert sizes["metropolitan-police-service"] == max(sizes.values())
    # One audit event per saving, as the service would have written it.
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.event.in_(outcomes.FIGURE_EVENTS))))
    assert Counter(e.event for e in events) == {"outcomes.figures_saved": 43 * quarters,
                                                "outcomes.baseline_saved": 43}
    saved = next(e for e in events if e.event == "outcomes.figures_saved")
    period = db.session.get(ReportingPeriod, saved.object_id)
    figures = outcomes.quarter_figures(db.session, db.session.get(Force, saved.force_id), period)
    assert saved.summary == f"{reporting_periods.label(period)} outcome figures"
    assert saved.changes == {code: [None, f"{value.normalize():f}"] for code, value in figures.items()}
    assert saved.object_type == "outcome_figures" and saved.actor_id is not None
    assert all(len(outcomes.history(db.session, f)) == quarters + 1 for f in forces[:3])


def test_generating_again_adds_no_figures_and_an_older_dataset_gets_them(app, tmp_path):
    generate(tmp_path, forces=2)
    before = counts()
    assert not generate(tmp_path, forces=2).created and counts() == before
    # Another seed in the same forces keeps the figures already there.
    generate(tmp_path, seed=4, forces=1)
    assert counts()[:2] == before[:2]
    figures = [(f.force_id, f.period_id, f.measure_id, f.value) for f in db.session.scalars(
        select(OutcomeFigure).order_by(OutcomeFigure.force_id, OutcomeFigure.period_id, OutcomeFigure.measure_id))]
    # Deterministic: the same seed gives the same figures.
    db.session.remove()
    _empty_tables()
    generate(tmp_path, forces=2)
    assert [(f.force_id, f.period_id, f.measure_id, f.value) for f in db.session.scalars(
        select(OutcomeFigure).order_by(OutcomeFigure.force_id, OutcomeFigure.period_id,
                                       OutcomeFigure.measure_id))] == figures
    # A dataset generated before outcome figures existed: the next run adds them, once.
    for model in (OutcomeFigure, OutcomeBaseline):
        db.session.execute(model.__table__.delete())
    db.session.commit()
    again = generate(tmp_path, forces=2)
    assert not again.created and again.counts["outcome figures"] == before[0]
    assert not generate(tmp_path, forces=2).created and counts()[:2] == before[:2]
