"""The latest reviewed quarterly-return assessments beside the dashboards' live figures: which
version counts (reviewed only, the newest period, the newest reviewed version), the force's own
self-assessment beside the national one, the national table's filters, freshness and queries."""

from __future__ import annotations

import csv
import io

import pytest

from benchmarks.query_count import counting_queries
from improvement_tracker.extensions import db
from improvement_tracker.services import clock, exports, kept, return_reviews, returns
from improvement_tracker.services.dashboards import Filters, assessments
from tests import factories

TODAY = clock.today()
PLAIN = kept.Presentation(url_for=lambda link: "/", table_markup=lambda table: "")
PILLARS = ("P1", "P2", "P3", "P4", "P5", "P6")


@pytest.fixture
def national(app):
    return factories.create_user("oversight", None, name="Nadia National")


def make_return(force_code: str, year: int = 2026, quarter: int = 2, *, own: str = "on_track"):
    manager = factories.create_user("programme_manager", force_code)
    quarterly_return = factories.create_return(manager, factories.create_period(year, quarter), assessment=own)
    version = factories.submit_return(manager, quarterly_return)
    return manager, quarterly_return, version


assess = factories.assess_return


def reviewed_return(actor, force_code: str = "avon-and-somerset", year: int = 2026, quarter: int = 2, *,
                    own: str = "on_track", ratings: dict[str, str] | None = None):
    manager, quarterly_return, version = make_return(force_code, year, quarter, own=own)
    assess(actor, quarterly_return, version, ratings)
    return manager, quarterly_return, version


def status_rows(force_code: str = "avon-and-somerset") -> dict[str, list]:
    table = kept.force_dashboard(db.session, TODAY, factories.force(force_code), PLAIN).tables["status-by-pillar"]
    return {row[0].split(" ", 1)[0]: row for row in table.rows}


def national_rows(filters: Filters = Filters()) -> dict[str, list]:  # noqa: B008  # frozen, never changed
    table = kept.national_dashboard(db.session, TODAY, filters, PLAIN).tables["latest-assessments"]
    return {row[0]: row for row in table.rows}


def test_a_reviewed_return_shows_beside_each_pillar_of_the_force_dashboard(national):
    reviewed_return(national, ratings={"P3": "at_risk", "P5": "off_track"})
    table = kept.force_dashboard(db.session, TODAY, factories.force(), PLAIN).tables["status-by-pillar"]
    assert table.headers[-2:] == ["National assessment, Q2 2026-27", "Self-assessment, Q2 2026-27"]
    rows = status_rows()
    assert rows["P1"][-2:] == ["On track", "On track"]
    assert rows["P3"][-2:] == ["At risk", "On track (differs)"]
    assert rows["P5"][-2:] == ["Off track", "On track (differs)"]
    assert rows["P1"][1:11] == [0] * 10  # the live figures are still there, before the assessments
    found = kept.force_assessments(db.session, TODAY, factories.force())
    assert (found.quarter, found.version, found.reviewed_on) == ("Q2 2026-27", 1, TODAY)
    assert [(p.code, p.national_label, p.own_label) for p in found.differing] == [
        ("P3", "At risk", "On track"), ("P5", "Off track", "On track")]
    assert status_rows("durham")["P3"][-2:] == ["", ""]  # another force's review is not Durham's


def test_assessments_not_yet_marked_reviewed_are_not_shown(national):
    _, quarterly_return, version = make_return("avon-and-somerset")
    assess(national, quarterly_return, version, {"P3": "at_risk"}, review=False)
    assert kept.force_assessments(db.session, TODAY, factories.force()) is None
    assert status_rows()["P3"][-2:] == ["", ""]
    assert kept.force_dashboard(db.session, TODAY, factories.force(), PLAIN).tables[
        "status-by-pillar"].headers[-2:] == ["National assessment", "Self-assessment"]
    assert national_rows() == {}
    return_reviews.mark_reviewed(db.session, quarterly_return, version, national)
    db.session.commit()
    assert status_rows()["P3"][-2:] == ["At risk", "On track (differs)"]  # kept entries follow the review


def test_a_newer_reviewed_quarter_replaces_the_older_and_an_unreviewed_one_does_not(national):
    reviewed_return(national, quarter=1, ratings={"P3": "at_risk"})
    assert national_rows()["Avon and Somerset"][1] == "Q1 2026-27"
    reviewed_return(national, quarter=2, own="at_risk", ratings={"P3": "off_track"})
    assert status_rows()["P3"][-2:] == ["Off track", "At risk (differs)"]
    assert status_rows()["P1"][-2:] == ["On track", "At risk (differs)"]
    assert national_rows()["Avon and Somerset"][1:5] == [
        "Q2 2026-27", "On track (force said At risk)", "On track (force said At risk)",
        "Off track (force said At risk)"]
    # The next quarter submitted and assessed, but not yet reviewed: Q2 still stands.
    _, later, version = make_return("avon-and-somerset", 2026, 3)
    assess(national, later, version, {"P3": "on_track"}, review=False)
    assert status_rows()["P3"][-2:] == ["Off track", "At risk (differs)"]
    assert kept.force_assessments(db.session, TODAY, factories.force()).quarter == "Q2 2026-27"


def test_a_correction_awaiting_review_leaves_the_reviewed_version_shown(national):
    manager, quarterly_return, first = reviewed_return(national, ratings={"P3": "at_risk"})
    returns.start_correction(db.session, quarterly_return, manager)
    returns.save_section(db.session, quarterly_return, factories.pillar("P3"), returns.SectionFields(
        "off_track", "Lost two investigators", "None", "Vacancies", "Funding"), manager)
    db.session.commit()
    second = factories.submit_return(manager, quarterly_return, reason="P3 was misreported")
    assert status_rows()["P3"][-2:] == ["At risk", "On track (differs)"]  # version 1, as reviewed
    assess(national, quarterly_return, second, {"P3": "off_track"})
    assert status_rows()["P3"][-2:] == ["Off track", "Off track"]
    assert kept.force_assessments(db.session, TODAY, factories.force()).version == 2


def test_the_national_table_is_fresh_after_a_review_and_follows_the_filters(national):
    _, quarterly_return, version = make_return("south-wales", own="at_risk")
    reviewed_return(national, "avon-and-somerset", ratings={"P2": "at_risk"})
    reviewed_return(national, "gwent", quarter=1, own="off_track", ratings=dict.fromkeys(PILLARS, "off_track"))
    assert list(national_rows()) == ["Avon and Somerset", "Gwent"]  # in name order; South Wales not reviewed
    assess(national, quarterly_return, version, {"P1": "at_risk"})
    # Kept under the national version, which the review bumped: shown at once, no refresh needed.
    rows = national_rows()
    assert list(rows) == ["Avon and Somerset", "Gwent", "South Wales"]
    assert rows["Avon and Somerset"] == ["Avon and Somerset", "Q2 2026-27", "On track", "At risk (force said On track)",
                                         "On track", "On track", "On track", "On track"]
    assert rows["Gwent"][1:3] == ["Q1 2026-27", "Off track"]
    assert rows["South Wales"][2:4] == ["At risk", "On track (force said At risk)"]
    assert list(national_rows(Filters(country="wales"))) == ["Gwent", "South Wales"]
    assert list(national_rows(Filters(cohort="pathfinder"))) == ["Avon and Somerset", "South Wales"]
    assert list(national_rows(Filters(cohort="pathfinder", country="england"))) == ["Avon and Somerset"]
    table = kept.national_dashboard(db.session, TODAY, Filters(), PLAIN).tables["latest-assessments"]
    assert table.headers == ["Force", "Quarter", *PILLARS]
    assert table.links[0][0] == "/"  # the force's dashboard, made a URL when kept
    downloaded = list(csv.reader(io.StringIO(exports.to_csv(table).decode("utf-8-sig"))))
    assert downloaded[0] == ["Force", "Quarter", *PILLARS]
    assert downloaded[1][:4] == ["Avon and Somerset", "Q2 2026-27", "On track", "At risk (force said On track)"]


def test_the_national_table_takes_the_same_few_queries_however_many_forces(national):
    reviewed_return(national, "avon-and-somerset")

    def count() -> int:
        with counting_queries(db.engine) as statements:
            assessments.national_table(db.session, Filters())
        return len(statements)

    one = count()
    for code in ("durham", "gwent", "kent"):
        reviewed_return(national, code, ratings={"P4": "at_risk"})
    assert count() == one <= 4
