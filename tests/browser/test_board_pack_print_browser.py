"""Board packs print well at demo scale: the national pack on at most 6 A4 landscape pages and a
force's on at most 4, printed to PDF by Chromium from the data `flask seed-demo` makes (the five
pathfinder plans and a year of daily snapshots). No page is blank, no page ends on a heading, the
heatmap is whole on one page and the weekly trend prints month by month while the screen keeps
every week. On screen each pack still passes axe and shows every chart's table."""

from __future__ import annotations

import os
import re
import shutil
import subprocess  # nosec B404  # poppler's pdftotext, on a file the test wrote
import zlib
from datetime import date

import pytest
from playwright.sync_api import expect

from improvement_tracker.demo import pathfinders
from improvement_tracker.demo.accounts import DEMO_PASSWORD
from improvement_tracker.extensions import db
from improvement_tracker.services import clock, snapshots
from improvement_tracker.services.dashboards import by_month
from improvement_tracker.services.tables import Table
from tests.browser.conftest import ARTIFACTS, check_accessibility, screenshot

NATIONAL = ("oversight@demo.homeoffice.gov.uk", "/dashboards/national/board-pack", 6)
FORCE = ("pm.avon-and-somerset@demo.police.uk", "/forces/avon-and-somerset/dashboard/board-pack", 4)
# A4 landscape less the 10 mm margins of dashboards.css's @page, in CSS pixels (96 to the inch).
PAGE_HEIGHT_PX = (210 - 20) / 25.4 * 96
HEATMAP = "Completion by force and pillar (% of actions complete)"
PERCENT = r"(?<![\d.])\d{1,3}%"  # a heatmap cell's figure ("40%"); its table writes "40"


def seed_demo() -> None:
    """What `flask seed-demo` does (improvement_tracker/cli.py): the plans, then a year of snapshots."""
    result = pathfinders.seed(db.session)
    db.session.commit()
    assert result.created
    snapshots.backfill(db.session, clock.today(), 365)
    snapshots.build_live(db.session, clock.today())
    db.session.commit()


def sign_in(page, email: str) -> None:
    page.emulate_media(media="screen")
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


def open_pack(page, path: str, name: str) -> None:
    """The pack on screen, every chart drawn: axe passes and each chart has its table beside it."""
    page.goto(path)
    page.wait_for_load_state()
    page.wait_for_function("() => [...document.querySelectorAll('.app-chart')]"
                           ".every(chart => chart.querySelector('.main-svg'))")
    check_accessibility(page)
    assert page.problems == [], page.problems
    charts = page.eval_on_selector_all(".app-chart", "charts => charts.map(c => c.id.replace('chart-', ''))")
    assert charts, "the pack draws its charts"
    for chart in charts:
        expect(page.locator(f"#table-{chart}")).to_be_visible()
    screenshot(page, f"board-pack-{name}-screen")


def print_pack(page, name: str) -> bytes:
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", landscape=True, prefer_css_page_size=True)
    os.makedirs(ARTIFACTS, exist_ok=True)
    with open(os.path.join(ARTIFACTS, f"board-pack-{name}.pdf"), "wb") as out:
        out.write(pdf)
    return pdf


# --- reading the PDF: page objects and their content streams, and poppler's text when installed ---

def pdf_pages(pdf: bytes) -> list[bytes]:
    """Each page's content stream, decompressed (Chromium writes one FlateDecode stream a page)."""
    objects = {int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj\s*(.*?)endobj", pdf, re.S)}
    pages = []
    for body in objects.values():
        if not re.search(rb"/Type\s*/Page(?![s\w])", body):
            continue
        content = b""
        for ref in re.findall(rb"(\d+) 0 R", re.search(rb"/Contents\s*(\[[^\]]*\]|\d+ 0 R)", body).group(1)):
            head, _, rest = objects[int(ref)].partition(b"stream")
            stream = rest.lstrip(b"\r\n").rsplit(b"endstream", 1)[0]
            content += zlib.decompress(stream) if b"FlateDecode" in head else stream
        pages.append(content)
    return pages


def page_texts(pdf_path: str, pages: int) -> list[str] | None:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        return None
    return [subprocess.run([pdftotext, "-f", str(n), "-l", str(n), pdf_path, "-"],  # nosec B603
                           capture_output=True, text=True, check=True).stdout for n in range(1, pages + 1)]


def words(texts: list[str]) -> str:
    return " ".join(" ".join(texts).split())


def read_printed(page, pdf: bytes, name: str) -> dict:
    """The printed pack: its pages, those that are blank, those that end on a heading (with poppler),
    and each page's text (None without poppler). Read while the page is in print media."""
    pages = pdf_pages(pdf)
    # A blank page's content stream draws no text.
    blank = [n for n, content in enumerate(pages, start=1) if b"BT" not in content]
    texts = page_texts(os.path.join(ARTIFACTS, f"board-pack-{name}.pdf"), len(pages))
    orphans = []
    if texts is not None:
        headings = {h.strip() for h in page.locator(".app-board-pack :is(h2, h3):visible").all_inner_texts()}
        for n, text in enumerate(texts, start=1):
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            if not lines:
                blank.append(n)
            elif lines[-1] in headings:
                orphans.append((n, lines[-1]))
    return {"pages": len(pages), "blank": sorted(set(blank)), "orphans": orphans, "texts": texts}


def weekly_and_monthly(page, weekly: str) -> tuple[int, int]:
    """How many rows the weekly table and its month-by-month table show in the current media."""
    return (page.locator(f"#table-{weekly} tbody tr:visible").count(),
            page.locator(f"#table-{weekly}-by-month tbody tr:visible").count())


@pytest.mark.browser
def test_board_packs_print_on_few_pages_at_demo_scale(page):
    seed_demo()

    # National, for oversight. The facts are gathered in each media, then checked together.
    sign_in(page, NATIONAL[0])
    open_pack(page, NATIONAL[1], "national")
    national_trend = {"screen": weekly_and_monthly(page, "trend")}
    heatmap = page.evaluate("""() => {
        const data = document.getElementById('chart-completion').data[0];
        return {cells: data.z.flat().filter(v => v !== null).length, forces: data.y};
    }""")
    national = read_printed(page, print_pack(page, "national"), "national")
    national_trend["print"] = weekly_and_monthly(page, "trend")
    # The heatmap is drawn for the first page: it ends within one page's height of the top.
    heatmap_bottom = page.evaluate(
        "document.getElementById('figure-completion').getBoundingClientRect().bottom + window.scrollY")

    # A force, for its programme manager.
    sign_in(page, FORCE[0])
    open_pack(page, FORCE[1], "force")
    burn_up = {"screen": weekly_and_monthly(page, "milestone-burn-up")}
    force = read_printed(page, print_pack(page, "force"), "force")
    burn_up["print"] = weekly_and_monthly(page, "milestone-burn-up")
    page.emulate_media(media="screen")

    assert national["pages"] <= NATIONAL[2] and force["pages"] <= FORCE[2], (
        f"printed on {national['pages']} pages (national, at most {NATIONAL[2]}) and {force['pages']} (force, "
        f"at most {FORCE[2]})")
    for name, printed in (("national", national), ("force", force)):
        assert printed["blank"] == [], f"the {name} board pack has blank pages: {printed['blank']}"
        assert printed["orphans"] == [], f"the {name} pack leaves headings at a page's foot: {printed['orphans']}"
    # The screen keeps every week; print has a row a month (a year of snapshots: 12 to 14 months).
    weeks, none = national_trend["screen"]
    assert weeks >= 52 and none == 0
    assert national_trend["print"][0] == 0 and 12 <= national_trend["print"][1] <= 14
    weeks, none = burn_up["screen"]
    assert weeks > burn_up["print"][1] > 0 and none == 0 and burn_up["print"][0] == 0
    assert heatmap_bottom <= PAGE_HEIGHT_PX
    if national["texts"] is not None:
        # Whole on one page: the page with the chart's title has every force and every cell's figure.
        # (Text cut off by a page break is not in the PDF; the heatmap's table prints no "%".)
        drawn = [t for t in national["texts"] if HEATMAP in t and re.search(PERCENT, t)]
        assert len(drawn) == 1, f"the heatmap is drawn across {len(drawn)} pages"
        assert len(re.findall(PERCENT, drawn[0])) >= heatmap["cells"]
        assert all(force_name in drawn[0] for force_name in heatmap["forces"])
        assert "the last weekly point of each month" in words(national["texts"])
    if force["texts"] is not None:
        for heading in ("Status by pillar", "Milestone burn-up", "Overdue actions", "Evidence awaiting review",
                        "Owners with the most overdue actions", "Re-planned actions", "RAG disagreements",
                        "Outcomes"):
            assert heading in words(force["texts"]), f"the force pack printed without {heading}"


def test_a_weekly_table_month_by_month_keeps_each_months_last_week_and_adds_up_its_counts():
    weekly = Table("burn-up", "By week", ["Week beginning", "In week", "To date"], numeric=frozenset({1, 2}))
    for day, done, total in ((date(2026, 9, 21), 1, 1), (date(2026, 9, 28), 2, 3),
                             (date(2026, 10, 5), 0, 3), (date(2026, 10, 26), 4, 7)):
        weekly.add([day, done, total])
    months = by_month(weekly, "By month", added=(1,), headers={0: "Month", 1: "In month"}, month_names=True)
    assert (months.name, months.title, months.headers) == ("burn-up-by-month", "By month",
                                                          ["Month", "In month", "To date"])
    assert months.rows == [["September 2026", 3, 3], ["October 2026", 4, 7]]
    assert months.numeric == weekly.numeric
    dated = by_month(weekly, "Last point")
    assert dated.rows == [[date(2026, 9, 28), 2, 3], [date(2026, 10, 26), 4, 7]]
