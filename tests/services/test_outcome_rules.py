"""The outcome figures' rules: parsing, what may be typed, rates from their parts, comparisons."""

from __future__ import annotations

from decimal import Decimal

import pytest

from improvement_tracker.services import outcome_rules as rules


@pytest.mark.parametrize(("text", "value"), [("12", Decimal(12)), (" 1,234 ", Decimal(1234)), ("3.5", Decimal("3.5")),
                                             ("", None), ("0", Decimal(0))])
def test_a_figure_is_a_plain_number(text, value):
    assert rules.parse(text) == value


@pytest.mark.parametrize("text", ["-3", "1e3", "NaN", "Infinity", "twelve", "12,34", "1.2.3", "½", "١٢", "+4"])
def test_anything_else_is_not_a_number(text):
    with pytest.raises(ValueError, match="not a number"):
        rules.parse(text)


def test_what_may_be_typed_for_each_unit():
    assert rules.typed_problem("count", False, Decimal(3)) is None
    assert rules.typed_problem("count", False, Decimal("3.5")) == "must be a whole number"
    assert rules.typed_problem("count", False, Decimal(1_000_001)) == "must be 1,000,000 or fewer"
    assert rules.typed_problem("days", False, Decimal("123.5")) is None
    assert rules.typed_problem("days", False, Decimal("12.25")) == "must have at most one decimal place"
    assert rules.typed_problem("days", False, Decimal(4000)) == "must be 3,650 days or fewer"
    assert rules.typed_problem("days", False, Decimal(-1)) == "must be 0 or more"
    assert rules.typed_problem("percentage", True, Decimal("4.5")) == \
        "is worked out from its parts: enter the parts instead"


def test_a_rate_is_worked_out_from_its_parts_to_one_place_halves_up():
    assert rules.rate(Decimal(9), Decimal(200)) == Decimal("4.5")
    assert rules.rate(Decimal(1), Decimal(16)) == Decimal("6.3")  # 6.25 rounds up
    assert rules.rate(Decimal(1), Decimal(3)) == Decimal("33.3")
    assert rules.rate(Decimal(5), Decimal(0)) is None
    assert rules.rate(None, Decimal(10)) is None
    assert rules.parts_problem(Decimal(11), Decimal(10)) and rules.parts_problem(Decimal(10), Decimal(10)) is None


def test_a_figure_against_its_baseline_or_the_year_before():
    referrals = rules.change(Decimal(63), Decimal(30), "count")
    assert referrals.words("the 2019 average") == "2.1 × the 2019 average"
    rate = rules.change(Decimal("4.5"), Decimal("3.6"), "percentage")
    assert rate.words("the same quarter a year before") == "+0.9 percentage points on the same quarter a year before"
    assert rules.change(Decimal("3.0"), Decimal("3.6"), "percentage").words("x") == "−0.6 percentage points on x"
    assert rules.change(Decimal(5), Decimal(0), "count") is None
    assert rules.change(None, Decimal(3), "count") is None
