"""A plan workbook with a VBA project stored under another name, through the import page.

The name says nothing (``xl/media/image7.dat``); the package declares it a VBA project in its
``[Content_Types].xml`` or by a relationship from the workbook, which is what Excel reads. The
import refuses it as it refuses any workbook with macros, and keeps nothing.
"""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from improvement_tracker.extensions import db
from tests import factories, files
from tests import import_sheets as sheets
from tests.conftest import error_messages

UPLOAD = "/forces/avon-and-somerset/import"
OWNER = "olive.owner@example.police.uk"


@pytest.fixture
def import_dir(app, tmp_path):
    app.config["IMPORT_DIR"] = str(tmp_path / "imports")
    yield tmp_path / "imports"
    app.config.pop("IMPORT_DIR")


def actions_in_the_plan() -> int:
    with db.engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(sa.table("actions")))


@pytest.mark.parametrize("how", ["override", "relationship"])
def test_a_workbook_with_a_renamed_macro_project_is_refused_on_the_upload_page(client_request, import_dir, how):
    factories.create_user("action_owner", name="Olive Owner", email=OWNER)
    pm = factories.create_user("programme_manager", name="Priya Manager", email="priya.pm@example.police.uk")
    plan = sheets.filled_template(deep_dives=[sheets.deep_dive()], findings=[sheets.finding("AS-P1-01")],
                                  actions=[sheets.action("AS-P1-01-A", OWNER, finding="AS-P1-01")])
    client_request.login(pm)
    page = client_request.post_page(
        UPLOAD, {"file": (io.BytesIO(files.with_a_renamed_macro_project(plan, how)), "Our plan.xlsx")},
        content_type="multipart/form-data")
    assert error_messages(page) == ["The workbook contains macros, which cannot be imported: save it as an Excel "
                                    "Workbook (.xlsx, not .xlsm) and upload that"]
    assert page.title.get_text(strip=True).startswith("Error: Import a plan from a spreadsheet")
    assert not import_dir.exists() or list(import_dir.iterdir()) == []  # nothing waits for confirmation
    assert actions_in_the_plan() == 0
