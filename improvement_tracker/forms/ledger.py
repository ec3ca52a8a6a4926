"""The filters of a force's "Reminders sent" page: a GET form, so no CSRF token."""

from __future__ import annotations

from wtforms.validators import ValidationError

from improvement_tracker.forms.base import Form
from improvement_tracker.forms.fields import GovDateField, Select


class LedgerFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    # The choices are the ledger's (services.reminder_ledger); anything else sent is no filter.
    kind = Select("Kind of reminder", choices=[], validate_choice=False)
    person = Select("Who was reminded", choices=[], validate_choice=False)
    email = Select("Email", choices=[], validate_choice=False)
    sent_from = GovDateField("From date", description="For example, 1 3 2027")
    sent_to = GovDateField("To date", description="For example, 31 3 2027")

    def validate_sent_to(self, field) -> None:
        if field.data and self.sent_from.data and field.data < self.sent_from.data:
            raise ValidationError("To date must be the same as or after the from date")
