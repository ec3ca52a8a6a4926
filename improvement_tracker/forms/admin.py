"""Forms for administrators: users, pillars and forces."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovRadioInput
from wtforms import PasswordField, RadioField
from wtforms.validators import InputRequired

from improvement_tracker.forms.fields import LongText, Select, Text, max_length
from improvement_tracker.models.reference import COHORTS
from improvement_tracker.security import ROLE_LABELS

ROLE_CHOICES = list(ROLE_LABELS.items())
COHORT_LABELS = {"pathfinder": "Pathfinder (2021)", "expansion_2022": "Expansion (2022)",
                 "national_2023": "National roll-out (2023)"}


class UserForm(FlaskForm):
    email = Text("Email address", validators=[InputRequired(message="Enter an email address"),
                                              max_length(254, "Email address")])
    name = Text("Full name", validators=[InputRequired(message="Enter the user's full name"),
                                         max_length(120, "Full name")])
    role = RadioField("Role", widget=GovRadioInput(), choices=ROLE_CHOICES,
                      validators=[InputRequired(message="Select a role")])
    force = Select("Force", choices=[], description="Needed for programme managers and action owners")
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[InputRequired(message="Enter a password"),
                                         max_length(256, "Password")],
                             description="12 characters or more. Give it to the user in person or by phone")


class UserEditForm(FlaskForm):
    name = Text("Full name", validators=[InputRequired(message="Enter the user's full name"),
                                         max_length(120, "Full name")])
    role = RadioField("Role", widget=GovRadioInput(), choices=ROLE_CHOICES,
                      validators=[InputRequired(message="Select a role")])
    force = Select("Force", choices=[], description="Needed for programme managers and action owners")


class PasswordForm(FlaskForm):
    password = PasswordField("New password", widget=GovPasswordInput(),
                             validators=[InputRequired(message="Enter a password"),
                                         max_length(256, "Password")],
                             description="12 characters or more")


class PillarForm(FlaskForm):
    name = Text("Name", validators=[InputRequired(message="Enter the pillar's name"), max_length(120, "Name")])
    description = LongText("Description", validators=[max_length(2000, "Description")])


class ForceForm(FlaskForm):
    name = Text("Name", validators=[InputRequired(message="Enter the force's name"), max_length(120, "Name")])
    country = RadioField("Country", widget=GovRadioInput(), choices=[("england", "England"), ("wales", "Wales")],
                         validators=[InputRequired(message="Select a country")])
    cohort = RadioField("Cohort", widget=GovRadioInput(), choices=[(c, COHORT_LABELS[c]) for c in COHORTS],
                        validators=[InputRequired(message="Select a cohort")])
