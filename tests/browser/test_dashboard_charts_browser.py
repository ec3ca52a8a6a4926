"""Dashboard charts read the way the tags do (issue: daily work made easy, item 10): a status has one
colour in its tag and in its chart, red means a red RAG only, counts are whole numbers, and nothing is
clipped on a phone or cut off on a desktop."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from improvement_tracker.extensions import db
from improvement_tracker.services import snapshots
from tests import factories
from tests.browser.conftest import check_accessibility, screenshot, sign_in

pytestmark = pytest.mark.browser
RED = "#d4351c"
# The GOV.UK tag a status wears, and the colour family its chart series must be in.
TAG_FAMILY = {"govuk-tag--blue": "#1d70b8", "govuk-tag--pink": "#d53880", "govuk-tag--purple": "#4c2c92",
              "govuk-tag--green": "#00703c", "govuk-tag--grey": ("#505a5f", "#b1b4b6")}


def _plan(today: date):
    owner = factories.create_user("action_owner", name="Owen Owner")
    for n, (status, pillar, due) in enumerate([
            ("in_progress", "P1", today + timedelta(days=40)), ("in_progress", "P2", today - timedelta(days=3)),
            ("blocked", "P2", today + timedelta(days=30)), ("not_started", "P3", today + timedelta(days=60)),
            ("awaiting_sign_off", "P4", today + timedelta(days=10)), ("complete", "P1", today)], start=1):
        factories.create_action(owner, pillar_code=pillar, reference=f"AS-{pillar}-{n:02d}", status=status,
                                title=f"Action {n}", due=due)
    snapshots.build_live(db.session, today)
    db.session.commit()


def _charts_drawn(page, count: int) -> None:
    page.wait_for_function(f"() => document.querySelectorAll('.app-chart .main-svg').length >= {count}")


def _traces(page, chart: str) -> list[dict]:
    return page.evaluate(f"""() => document.getElementById('{chart}').data.map(t => ({{
        name: t.name, colour: t.marker && t.marker.color, line: t.line && t.line.color }}))""")


def _tick_labels(page, chart: str, axis: str) -> list[str]:
    return page.evaluate(f"""() => Array.from(document.querySelectorAll('#{chart} .{axis}tick text'))
        .map(t => t.textContent)""")


def test_status_colours_match_their_tags_and_counts_are_whole(page):
    today = date.today()
    _plan(today)
    sign_in(page, factories.create_user("programme_manager", name="Priya Manager"))
    page.goto("/forces/avon-and-somerset")
    tags = {page.locator("strong.govuk-tag", has_text=label).first.get_attribute("class").split()[-1]: label
            for label in ("In progress", "Blocked", "Awaiting sign-off", "Not started")}
    page.goto("/forces/avon-and-somerset/dashboard")
    _charts_drawn(page, 2)
    traces = {t["name"]: t["colour"] for t in _traces(page, "chart-status-by-pillar")}
    for tag_class, label in tags.items():
        family = TAG_FAMILY[tag_class]
        assert traces[label] in (family if isinstance(family, tuple) else (family,)), (label, tag_class)
    # Red is a red RAG (an overdue action is red): no status, line or other bar is drawn in it.
    for chart in page.evaluate("() => Array.from(document.querySelectorAll('.app-chart')).map(c => c.id)"):
        for trace in _traces(page, chart):
            if trace["name"] in ("Red", "Overdue actions"):
                continue
            assert RED not in (trace["colour"], trace["line"]), (chart, trace)
    labels = _tick_labels(page, "chart-status-by-pillar", "y")
    assert labels and all(label.replace(",", "").isdigit() for label in labels), labels
    check_accessibility(page)
    screenshot(page, "charts-force-dashboard-1280")

    # At 1280 px the table under the chart is whole: nothing beyond its container's edge.
    table = page.locator("#table-status-by-pillar")
    expect(table).to_be_visible()
    overflow = table.evaluate("t => t.scrollWidth - t.parentElement.clientWidth")
    right = table.evaluate("t => t.getBoundingClientRect().right")
    assert overflow <= 0 and right <= page.viewport_size["width"], (overflow, right)
    assert page.problems == [], page.problems


def test_nothing_is_clipped_on_a_phone(page):
    today = date.today()
    _plan(today)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, factories.create_user("oversight", None))
    for path, charts in (("/dashboards/national", 3), ("/forces/avon-and-somerset/dashboard", 2)):
        page.goto(path)
        _charts_drawn(page, charts)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        # Every value written beside a bar lies inside its chart.
        clipped = page.evaluate("""() => Array.from(document.querySelectorAll('.app-chart')).flatMap(chart => {
            const box = chart.getBoundingClientRect();
            return Array.from(chart.querySelectorAll('.bartext, .ytick text, .xtick text, .legendtext'))
              .filter(t => { const r = t.getBoundingClientRect();
                             return r.width && (r.left < box.left - 1 || r.right > box.right + 1); })
              .map(t => chart.id + ': ' + t.textContent); })""")
        assert clipped == [], clipped
        screenshot(page, f"charts-{path.strip('/').replace('/', '-')}-390")
    assert page.problems == [], page.problems
