"""Fields with the GOV.UK wording the Design System asks for."""

from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovRadioInput, GovSelect, GovTextArea, GovTextInput
from wtforms import Field, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from improvement_tracker.services import inputs


class GovDateField(Field):
    """Day, month and year boxes. All blank is 'no date'; anything else must be a real date.

    The boxes are kept as typed so an error never loses what the user entered.
    """

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, required: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required = required

    def process_formdata(self, valuelist):
        self.raw_data = list(valuelist) + [""] * (3 - len(valuelist)) if valuelist else None
        if not valuelist:
            return
        day, month, year = (v.strip() for v in self.raw_data[:3])
        self.raw_data = [day, month, year]
        if not (day or month or year):
            self.data = None
            return
        missing = [name for name, value in (("day", day), ("month", month), ("year", year)) if not value]
        if missing:
            raise ValueError(f"{self.label.text} must include a {' and '.join(missing)}")
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2026")
        try:
            self.data = date(int(year), int(month), int(day))
        except (ValueError, OverflowError):  # a day of 99999999999999999999 overflows
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2026") from None
        if problem := inputs.date_problem(self.data, self.label.text):
            self.data = None
            raise ValueError(problem)

    def pre_validate(self, form):
        if self.required and self.data is None and not self.process_errors:
            raise ValidationError(f"Enter the {self.label.text.lower()}")

    def _value(self):
        return self.data.strftime("%d %m %Y") if self.data else ""


class Text(StringField):
    widget = GovTextInput()


class LongText(TextAreaField):
    widget = GovTextArea()


class Select(SelectField):
    widget = GovSelect()


def max_length(n: int, label: str) -> Length:
    return Length(max=n, message=f"{label} must be {n} characters or fewer")


class Radios(RadioField):
    """Radios whose 'not one of the options' error reads like the 'nothing chosen' one."""

    widget = GovRadioInput()

    def __init__(self, label=None, validators=None, *, message: str = "Select an option", **kwargs):
        super().__init__(label, [*(validators or []), InputRequired(message=message)], **kwargs)
        self.choice_message = message

    def pre_validate(self, form):
        if self.data is not None and self.data not in {value for value, *_ in self.iter_choices()}:
            raise ValidationError(self.choice_message)
