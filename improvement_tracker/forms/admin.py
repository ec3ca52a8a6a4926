"""Forms for administrators: users, pillars and forces."""

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovRadioInput
from wtforms import PasswordField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from improvement_tracker.forms.base import EditForm, Form
from improvement_tracker.forms.fields import LongText, Select, Text, max_length
from improvement_tracker.models.reference import COHORTS
from improvement_tracker.security import ROLE_LABELS
from improvement_tracker.services.reference_data import COHORT_LABELS, COUNTRY_LABELS


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the options WTForms wants."""
    return [SelectChoice(value, label) for value, label in pairs]


ROLE_CHOICES = choices(ROLE_LABELS.items())
NO_FORCE = SelectChoice("", "Not applicable")


def radios(label: str, choices, message: str, **kwargs) -> RadioField:
    """Radios with one GOV.UK message whether nothing or something unexpected was chosen."""
    return RadioField(label, widget=GovRadioInput(), choices=choices, invalid_choice_message=message,
                      validators=[InputRequired(message=message)], **kwargs)


def _role():
    return radios("Role", ROLE_CHOICES, "Select a role")


def _force():
    # Unknown codes are left to the service, which says which force it did not recognise.
    return Select("Force", choices=[NO_FORCE], validate_choice=False,
                  description="Needed for programme managers and action owners")


def _name():
    return Text("Full name", validators=[InputRequired(message="Enter the user's full name"),
                                         max_length(120, "Full name")])


def _password(label: str, description: str):
    return PasswordField(label, widget=GovPasswordInput(),
                         validators=[InputRequired(message="Enter a password"), max_length(256, "Password")],
                         description=description)


class UserForm(Form):
    email = Text("Email address", validators=[InputRequired(message="Enter an email address"),
                                              max_length(254, "Email address")])
    name = _name()
    role = _role()
    force = _force()
    password = _password("Password", "12 characters or more. Give it to the user in person or by phone")


class UserEditForm(EditForm):
    name = _name()
    role = _role()
    force = _force()


class PasswordForm(Form):
    password = _password("New password", "12 characters or more. Their other sessions will end")


class UserFilterForm(Form):
    """The users list's filters: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    role = Select("Role", choices=[SelectChoice("", "Any role"), *ROLE_CHOICES], validate_choice=False)
    force = Select("Force", choices=[SelectChoice("", "Any force")], validate_choice=False)


class PillarForm(EditForm):
    name = Text("Name", validators=[InputRequired(message="Enter the pillar's name"),
                                    max_length(120, "Name")])
    description = LongText("Description", validators=[max_length(2000, "Description")])


class ForceForm(EditForm):
    name = Text("Name", validators=[InputRequired(message="Enter the force's name"),
                                    max_length(120, "Name")])
    country = radios("Country", choices(COUNTRY_LABELS.items()), "Select England or Wales")
    cohort = radios("Cohort", choices((c, COHORT_LABELS[c]) for c in COHORTS), "Select a cohort")
