"""Loading outcome figures from a file: every row checked, every problem named by row and column,
then all the figures written or none (docs/outcomes.md#loading-figures-from-a-file)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy import select

from improvement_tracker.extensions import db
from improvement_tracker.models import AuditEvent, ReportingPeriod
from improvement_tracker.services import outcome_import, outcomes, reporting_periods
from tests import factories

TODAY = date(2026, 10, 1)  # Q2 2026-27 has ended (not yet published); Q1 2026-27 is published
HEADER = ["force code", "quarter", "measure", "value"]


def csv_file(rows: list[list], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue().encode()


def xlsx_file(rows: list[list], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Figures"
    for row in [header, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def check(data: bytes, filename: str = "figures.csv", today: date = TODAY) -> outcome_import.OutcomeImportReport:
    return outcome_import.check(db.session, data, filename, today)


def stored_counts() -> tuple[int, int, int, int]:
    with db.engine.connect() as connection:
        return tuple(connection.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
                     for name in ("outcome_figures", "outcome_baselines", "audit_events", "reporting_periods"))


def save(force_code: str, fy: int, q: int, **typed) -> None:
    period = reporting_periods.make(db.session, fy, q)
    outcomes.save_quarter(db.session, factories.force(force_code), period,
                          {code: Decimal(value) for code, value in typed.items()}, None, TODAY)
    db.session.commit()


def test_a_file_for_two_forces_and_a_baseline_is_checked_then_written_one_event_per_force_and_quarter(app):
    data = csv_file([
        ["avon-and-somerset", "Q2 2026-27", "recorded_offences", "200"],
        ["avon-and-somerset", "Q2 2026-27", "charges", "9"],
        ["Durham", "2026-27-q1", "referrals", "1,234"],
        ["durham", "baseline", "referrals", "600"],
        ["durham", "baseline", "median_days_to_charge", "412.5"],
    ])
    before = stored_counts()
    report = check(data)
    assert report.errors == [] and report.ok
    assert report.counts() == {"new": 5, "changed": 0, "unchanged": 0, "forces": 2, "quarters": 3}
    assert [(f.row, f.force_name, f.quarter_label, f.measure_code, f.new) for f in report.figures][2:4] == [
        (4, "Durham", "Q1 2026-27", "referrals", Decimal(1234)), (5, "Durham", "2019 baseline", "referrals", 600)]
    assert stored_counts() == before  # checking writes nothing

    assert outcome_import.apply(db.session, report, None, TODAY) == 3
    db.session.commit()
    avon, durham = factories.force(), factories.force("durham")
    q2 = db.session.scalar(select(ReportingPeriod).where(ReportingPeriod.financial_year == 2026,
                                                         ReportingPeriod.quarter == 2))
    assert q2 is not None  # the missing period was made
    values = outcomes.with_rates(outcomes.catalogue(db.session), outcomes.quarter_figures(db.session, avon, q2))
    assert values["charge_rate"] == Decimal("4.5")
    assert outcomes.baseline(db.session, durham) == {"referrals": Decimal(600),
                                                     "median_days_to_charge": Decimal("412.5")}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.event.in_(outcomes.FIGURE_EVENTS))
                                .order_by(AuditEvent.id)).all()
    assert [(e.force_id, e.event, e.changes) for e in events] == [
        (avon.id, "outcomes.figures_saved", {"recorded_offences": [None, "200"], "charges": [None, "9"]}),
        (durham.id, "outcomes.figures_saved", {"referrals": [None, "1234"]}),
        (durham.id, "outcomes.baseline_saved", {"referrals": [None, "600"], "median_days_to_charge": [None, "412.5"]}),
    ]

    # The same file again changes nothing and records nothing.
    again = check(data)
    assert again.counts()["unchanged"] == 5 and again.changing == []
    before = stored_counts()
    assert outcome_import.apply(db.session, again, None, TODAY) == 0
    db.session.commit()
    assert stored_counts() == before


def test_headings_match_whatever_their_case_and_spacing_and_xlsx_numbers_are_read(app):
    data = xlsx_file([["avon-and-somerset", "q2 2026-27", "Charges", 9], ["avon-and-somerset", "Q2 2026-27",
                                                                           "median_days_to_charge", 12.5]],
                     header=["Force_Code", "QUARTER", " Measure ", "value", "notes"])
    report = check(data, "figures.xlsx")
    assert report.ok, report.errors
    assert [(f.measure_code, f.new) for f in report.figures] == [("charges", 9), ("median_days_to_charge",
                                                                                  Decimal("12.5"))]
    assert report.sheet == "Figures"


@pytest.mark.parametrize(("row", "message"), [
    (["avon-and-somerset", "Q2 2026-27", "charges", "nine"],
     "Row 2, column D (value): 'nine' is not a number: write digits only, like 1,234 or 12.5"),
    (["avon-and-somerset", "Q2 2026-27", "charges", "1e3"],
     "Row 2, column D (value): '1e3' is not a number: write digits only, like 1,234 or 12.5"),
    (["avon-and-somerset", "Q2 2026-27", "charges", "-5"],
     "Row 2, column D (value): Charges or summons must be 0 or more"),
    (["avon-and-somerset", "Q2 2026-27", "charges", "2.5"],
     "Row 2, column D (value): Charges or summons must be a whole number"),
    (["avon-and-somerset", "Q2 2026-27", "median_days_to_charge", "3651"],
     "Row 2, column D (value): Median days from report to charge must be 3,650 days or fewer"),
    (["avon-and-somerset", "Q2 2026-27", "median_days_to_charge", "12.25"],
     "Row 2, column D (value): Median days from report to charge must have at most one decimal place"),
    (["avon-and-somerset", "Q2 2026-27", "charge_rate", "4.5"],
     "Row 2, column C (measure): Charge or summons rate is worked out from its parts: give the parts instead"),
    (["atlantis", "Q2 2026-27", "charges", "9"],
     "Row 2, column A (force code): 'atlantis' is not a force code: use the codes in the template, like "
     "avon-and-somerset"),
    (["avon-and-somerset", "Q2 2026-27", "arrests", "9"],
     "Row 2, column C (measure): 'arrests' is not a measure code: use one of recorded_offences, referrals, "
     "charges, outcomes_assigned, victim_withdrawals, median_days_to_charge, phones_taken, phones_returned_24h"),
    (["avon-and-somerset", "last quarter", "charges", "9"],
     "Row 2, column B (quarter): 'last quarter' is not a quarter: write it like Q2 2026-27 or 2026-27-q2, or "
     "baseline for the 2019 quarterly average"),
    (["avon-and-somerset", "Q2 2026-28", "charges", "9"],
     "Row 2, column B (quarter): 'Q2 2026-28' is not a quarter: write it like Q2 2026-27 or 2026-27-q2, or "
     "baseline for the 2019 quarterly average"),
    (["avon-and-somerset", "Q3 2026-27", "charges", "9"],
     "Row 2, column B (quarter): Q3 2026-27 has not ended yet, so it has no figures"),
    (["avon-and-somerset", "Q4 2018-19", "charges", "9"],
     "Row 2, column B (quarter): Q4 2018-19 is before April 2019: give 2019 figures as the baseline instead"),
    (["avon-and-somerset", "Q2 2026-27", "charges", ""],
     "Row 2, column D (value): Enter the figure: a blank is not read as nought (leave the row out to keep the "
     "figure that is stored)"),
    (["avon-and-somerset", "Q2 2026-27", "charges", "=4+5"],
     "Row 2, column D (value): This cell holds a formula or starts like one (=4+5): type the value itself, "
     "without a leading =, +, - or @"),
    (["avon-and-somerset", "Q2 2026-27", "char\x07ges", "9"],
     "Row 2, column C (measure): This cell holds hidden control characters (they can come from text copied from "
     "another system): retype the value"),
    (["avon-and-somerset", "Q2 2026-27", "charges", "#REF!"],
     "Row 2, column D (value): This cell shows a spreadsheet error (#REF!): type the value itself"),
], ids=["not-a-number", "exponent", "negative", "not-whole", "days-too-many", "days-places", "derived",
        "unknown-force", "unknown-measure", "unreadable-quarter", "wrong-year-pair", "not-ended", "before-2019",
        "blank", "formula", "control-character", "error-value"])
def test_each_bad_row_is_named_by_row_and_column_and_nothing_is_written(app, row, message):
    good = ["durham", "Q2 2026-27", "referrals", "40"]
    report = check(csv_file([row, good]))
    assert [str(p) for p in report.errors] == [message]
    assert not report.ok
    before = stored_counts()
    with pytest.raises(outcome_import.ImportFailed):
        outcome_import.apply(db.session, report, None, TODAY)
    db.session.rollback()
    assert stored_counts() == before


def test_a_formula_cell_in_a_workbook_is_refused(app):
    report = check(xlsx_file([["durham", "Q2 2026-27", "charges", "=SUM(1,2)"]]), "figures.xlsx")
    assert [str(p) for p in report.errors] == [
        "Row 2, column D (value): This cell holds a formula or starts like one (=SUM(1,2)): type the value itself, "
        "without a leading =, +, - or @"]


def test_the_same_figure_twice_names_both_rows(app):
    report = check(csv_file([["durham", "Q2 2026-27", "charges", "9"], ["durham", "Q1 2026-27", "charges", "9"],
                             ["Durham", "2026-27-q2", "charges", "10"]]))
    assert [str(p) for p in report.errors] == [
        "Row 4, column C (measure): Durham, Q2 2026-27, charges is also on row 2: give each figure once"]


def test_a_part_bigger_than_its_whole_counts_what_is_stored(app):
    save("durham", 2026, 2, phones_taken=10)
    report = check(csv_file([["durham", "Q2 2026-27", "phones_returned_24h", "12"]]))
    assert [str(p) for p in report.errors] == [
        "Row 2, column D (value): Durham, Q2 2026-27: Victims' phones returned within 24 hours cannot be more than "
        "victims' phones taken for examination"]
    # Raising the whole in the same file makes it right.
    assert check(csv_file([["durham", "Q2 2026-27", "phones_returned_24h", "12"],
                           ["durham", "Q2 2026-27", "phones_taken", "15"]])).ok


def test_revising_a_published_quarter_needs_a_reason_kept_in_the_history(app):
    save("durham", 2026, 1, charges=9, referrals=30)
    data = csv_file([["durham", "Q1 2026-27", "charges", "11"], ["durham", "Q1 2026-27", "referrals", "30"],
                     ["durham", "Q2 2026-27", "charges", "4"]])
    report = check(data)
    assert report.ok and report.revisions == [("Durham", "Q1 2026-27")]
    assert report.counts() == {"new": 1, "changed": 1, "unchanged": 1, "forces": 1, "quarters": 2}
    assert [(f.quarter_label, f.old, f.new) for f in report.changing] == [
        ("Q1 2026-27", Decimal(9), Decimal(11)), ("Q2 2026-27", None, Decimal(4))]
    before = stored_counts()
    with pytest.raises(outcome_import.ImportFailed) as refused:
        outcome_import.apply(db.session, report, None, TODAY, reason="  ")
    assert (refused.value.field, refused.value.message) == (
        "reason", "Give a reason for revising published figures (Durham Q1 2026-27)")
    db.session.rollback()
    assert stored_counts() == before

    outcome_import.apply(db.session, report, None, TODAY, reason="Corrected after the force's audit")
    db.session.commit()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.event == "outcomes.figures_saved")
                                .order_by(AuditEvent.id.desc()).limit(2)).all()
    assert [e.changes for e in events] == [
        {"charges": [None, "4"]},  # a quarter not yet published is not a revision
        {"charges": ["9", "11"], "reason": [None, "Corrected after the force's audit"]},
    ]


def test_a_change_since_the_check_is_refused_whole(app):
    report = check(csv_file([["durham", "Q2 2026-27", "phones_taken", "10"],
                             ["durham", "Q1 2026-27", "phones_returned_24h", "5"]]))
    save("durham", 2026, 1, phones_taken=3)  # meanwhile, someone saves a smaller whole
    before = stored_counts()
    with pytest.raises(outcome_import.ImportFailed) as failed:
        outcome_import.apply(db.session, report, None, TODAY)
    assert failed.value.message.startswith("Durham, Q1 2026-27: Victims' phones returned within 24 hours cannot be")
    db.session.rollback()
    assert stored_counts() == before


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"%PDF-1.4 ...", "figures.pdf", "The selected file must be an XLSX or CSV spreadsheet"),
    (b"a" * (5 * 1024 * 1024 + 1), "figures.csv", "The selected file must be smaller than 5 MB"),
    (b"force code,quarter\x00", "figures.csv", "The file is not a CSV text file: save it from Excel as "
                                              "'CSV UTF-8 (Comma delimited)' and upload that"),
    (b"\n\n", "figures.csv", "The file has no rows: put the headings force code, quarter, measure and value in the "
                             "first row and a figure on each row below"),
], ids=["pdf", "too-big", "nul", "empty"])
def test_files_that_cannot_be_read_are_refused_whole(app, data, filename, message):
    report = check(data, filename)
    assert report.refused == message and not report.ok


def test_too_many_rows_are_refused(app):
    rows = [["durham", "Q2 2026-27", "charges", "1"]] * (outcome_import.MAX_ROWS + 1)
    assert check(csv_file(rows)).refused == "The file has more than 15,000 rows of figures: split it into smaller files"


def test_headings_must_be_in_the_first_row(app):
    report = check(csv_file([["durham", "Q2 2026-27", "charges", "1"]], header=["force", "quarter", "number"]))
    assert [str(p) for p in report.errors] == [
        "Row 1: The first row must be the headings force code, quarter, measure and value: measure and value are "
        "missing"]
    report = check(csv_file([], header=["force code", "quarter", "measure", "value", "Value"]))
    assert [str(p) for p in report.errors] == ["Row 1, column E (value): There are two value columns: keep one"]


def test_the_template_has_an_example_row_for_each_typed_measure_and_checks_clean(app):
    data = outcome_import.template_csv(db.session, TODAY)
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "force code,quarter,measure,value"
    typed = [m.code for m in outcomes.catalogue(db.session) if not outcomes.is_derived(m)]
    assert [line.split(",")[2] for line in lines[1:]] == typed
    assert all(line.startswith("avon-and-somerset,Q2 2026-27,") for line in lines[1:])
    report = check(data)
    assert report.ok and report.counts()["new"] == len(typed)
