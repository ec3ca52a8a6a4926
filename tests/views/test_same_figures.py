"""One figure, one rule: a force's % complete is the same on every page, download and board pack.

The forces list used to divide by every action and round halves to even, while the dashboards
left out actions closed as not needed and rounded halves up (docs/rules.md#percent-complete):
Avon and Somerset showed 12% in one place and 14% in another. A force with no plan shows "–"
(no figure) everywhere, never "0%".
"""

from __future__ import annotations

import csv
import io

from improvement_tracker.extensions import db
from improvement_tracker.services import clock, dashboards
from tests import factories

AVON, NO_PLAN = "Avon and Somerset", "Durham"


def _plan() -> None:
    """1 complete, 1 closed as not needed, 6 open: 1 of 7 is 14%; 1 of 8 would be 12.5%."""
    owner = factories.create_user("action_owner")
    factories.create_action(owner, status="complete", reference="AS-1")
    factories.create_action(owner, status="closed_not_needed", reference="AS-2")
    for n in range(3, 9):
        factories.create_action(owner, status="in_progress", reference=f"AS-{n}", pillar_code=f"P{n % 2 + 1}")


def _row(page, table_selector: str, first_cell: str) -> list[str]:
    for row in page.select(f"{table_selector} tbody tr"):
        cells = [c.get_text(" ", strip=True) for c in row.find_all(["th", "td"])]
        if cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in {table_selector}")


def _column(page, table_selector: str, header: str) -> int:
    # A sortable heading also says how to sort by it (", sort descending"): the column's name comes first.
    headers = [th.get_text(" ", strip=True) for th in page.select(f"{table_selector} thead th")]
    return next(i for i, h in enumerate(headers) if h == header or h.startswith(f"{header} "))


def _csv(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def _headline(page) -> str:
    for figure in page.select(".app-headline p"):
        value = figure.select_one(".govuk-heading-l").get_text(strip=True)
        if figure.get_text(" ", strip=True).endswith("% complete") and "overdue" not in figure.get_text():
            return value
    raise AssertionError("no % complete headline")


def test_percent_complete_is_the_same_everywhere(app, client_request):
    _plan()
    dashboards.refresh_national_cache(db.session, clock.today())
    db.session.commit()
    client = client_request.client
    client_request.login(factories.create_user("oversight", None))

    forces = client_request.get("/forces")
    column = _column(forces, "table", "% complete")
    seen = {"forces list": _row(forces, "table", AVON)[column]}
    no_plan = {"forces list": _row(forces, "table", NO_PLAN)[column]}

    export = _csv(client, "/forces.csv")
    column = export[0].index("% complete")
    seen["forces download"] = next(r[column] for r in export if r[0] == AVON) + "%"
    no_plan["forces download"] = next(r[column] for r in export if r[0] == NO_PLAN)

    for name, url in (("national dashboard", "/dashboards/national"),
                      ("national board pack", "/dashboards/national/board-pack")):
        page = client_request.get(url)
        seen[name] = _row(page, "#table-completion", AVON)[-1] + "%"
        no_plan[name] = _row(page, "#table-completion", NO_PLAN)[-1]
        seen[f"{name} headline"] = _headline(page)  # Avon's is the only plan
    heatmap = _csv(client, "/dashboards/national/export/completion.csv")
    seen["national download"] = next(r[-1] for r in heatmap if r[0] == AVON) + "%"
    no_plan["national download"] = next(r[-1] for r in heatmap if r[0] == NO_PLAN)

    for name, url in (("force dashboard", "/forces/avon-and-somerset/dashboard"),
                      ("force board pack", "/forces/avon-and-somerset/dashboard/board-pack")):
        seen[name] = _headline(client_request.get(url))
    headline = _csv(client, "/forces/avon-and-somerset/dashboard/export/headline.csv")
    seen["force download"] = next(r[1] for r in headline if r[0] == "% complete") + "%"

    assert seen == dict.fromkeys(seen, "14%")
    # No plan, no figure: "–" on a page (with "No figure" for screen readers), blank in a download.
    assert no_plan == {"forces list": "No figure –", "forces download": "",
                       "national dashboard": "No figure –", "national board pack": "No figure –",
                       "national download": ""}


def test_a_cohort_has_one_name_on_every_page(app, client_request):
    """The admin form said "National roll-out (2023)", the dashboards "National (2023)", the forces
    list "National 2023": one label now, wherever a cohort is named."""
    label = "National roll-out (2023)"
    client_request.login(factories.create_user("admin", None))
    forces = client_request.get("/forces")
    assert _row(forces, "table", "Cleveland")[1] == label
    national = client_request.get("/dashboards/national")
    assert label in [o.get_text(strip=True) for o in national.select("#cohort option")]
    admin = client_request.get("/admin/forces")
    assert label in admin.get_text()
    edit = client_request.get("/admin/forces/cleveland/edit")
    assert label in [lab.get_text(strip=True) for lab in edit.select(".govuk-radios__label")]
    download = _csv(client_request.client, "/forces.csv")
    assert next(r[2] for r in download if r[0] == "Cleveland") == label
