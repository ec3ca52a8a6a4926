"""The form a programme manager enters a quarter's outcome figures (or the 2019 baseline) on: one box
per typed measure, built from the catalogue; rates are never asked for (services.outcome_rules)."""

from __future__ import annotations

from decimal import Decimal

from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import Field

from improvement_tracker.forms.base import EditForm
from improvement_tracker.forms.returns import CountedText
from improvement_tracker.models import OutcomeMeasure
from improvement_tracker.services import outcome_rules, outcomes

REASON_LIMIT = 1000
UNIT_HINTS = {"count": "A whole number, like 1,200", "days": "Days, like 120 or 120.5"}


class FigureField(Field):
    """A figure box: blank is "no figure"; anything else must be a plain number (outcome_rules.parse).
    What was typed is kept when it is wrong, so an error never loses it."""

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.raw_data = [valuelist[0]]
        try:
            self.data = outcome_rules.parse(valuelist[0])
        except ValueError:
            self.data = None
            name = self.label.text
            raise ValueError(f"Enter {name[:1].lower()}{name[1:]} as a number, like 120") from None

    def process_data(self, value):
        self.data = value

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{Decimal(self.data).normalize():f}"


class FiguresForm(EditForm):
    """Its figure fields are added per measure by ``figures_form``; the reason is asked for only when
    a published quarter's figures are revised."""

    reason = CountedText("Why are you revising these figures?", REASON_LIMIT,
                         description="The quarter's figures are published: the national team sees this "
                                     "beside what changed")

    def typed(self, measures: list[OutcomeMeasure]) -> dict[str, Decimal | None]:
        return {m.code: self[m.code].data for m in measures if not outcomes.is_derived(m)}


def figures_form(measures: list[OutcomeMeasure], stored: dict[str, Decimal | None]) -> FiguresForm:
    """A form with a box for each typed measure, filled with what is stored."""

    class QuarterFigures(FiguresForm):
        pass

    for measure in measures:
        if not outcomes.is_derived(measure):
            setattr(QuarterFigures, measure.code, FigureField(
                measure.name, description=UNIT_HINTS.get(measure.unit, ""), default=stored.get(measure.code),
                render_kw={"inputmode": "decimal", "spellcheck": "false", "autocomplete": "off"}))
    return QuarterFigures()
