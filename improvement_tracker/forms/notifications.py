"""Forms for email preferences and the admins' reminder thresholds."""

from wtforms.validators import InputRequired

from improvement_tracker.forms.base import Form
from improvement_tracker.forms.fields import GovDateField, Radios, Text, max_length

YES_NO = [("yes", "Yes"), ("no", "No")]


class NotificationSettingsForm(Form):
    reminders = Radios("Do you want reminder emails about your actions?", choices=YES_NO,
                       message="Select yes if you want reminder emails")
    paused_until = GovDateField("Pause reminders until (optional)",
                                description="For example, while you are on leave: 31 12 2026. Leave blank for no "
                                            "pause. Your programme manager is still told about actions overdue "
                                            "by 14 days or more.")
    weekly_summary = Radios("Do you want the weekly summary on Monday mornings?", choices=YES_NO,
                            message="Select yes if you want the weekly summary",
                            description="Programme managers get their force's summary; oversight the national one.")


class ReminderSettingsForm(Form):
    due_soon_days = Text("Due soon: days before the due date",
                         validators=[InputRequired(message="Enter the days before the due date"),
                                     max_length(60, "Due soon")],
                         description="Separate with commas, like 30, 7, 1")
    overdue_days = Text("Overdue: days after the due date",
                        validators=[InputRequired(message="Enter the days after the due date"),
                                    max_length(60, "Overdue")],
                        description="Separate with commas, like 1, 2, 4, 8, 16, 32. After the last one, no more.")
    escalation_days = Text("Escalate to the programme managers after this many days overdue",
                           validators=[InputRequired(message="Enter the days overdue before escalation"),
                                       max_length(3, "Escalation")])
    stale_days = Text("Remind owners of in-progress actions with no update for this many days",
                      validators=[InputRequired(message="Enter the days without an update"),
                                  max_length(3, "Stale")])
