"""SQLAlchemy models only: no queries, no rules (those live in services)."""

from improvement_tracker.models.audit import AuditEvent
from improvement_tracker.models.commitments import Commitment, CommitmentDateProposal, CommitmentForce
from improvement_tracker.models.evidence import Evidence  # noqa: F401
from improvement_tracker.models.jobs import JobRun
from improvement_tracker.models.notifications import Notification, ReminderClaim, Setting
from improvement_tracker.models.outcomes import OutcomeBaseline, OutcomeFigure, OutcomeMeasure
from improvement_tracker.models.plans import (
    Action,
    DeepDive,
    DueDateChange,
    Finding,
    Milestone,
    ProgressUpdate,
)
from improvement_tracker.models.reference import Force, NationalVersion, Pillar
from improvement_tracker.models.returns import (
    QuarterlyReturn,
    ReportingPeriod,
    ReturnAssessment,
    ReturnQuestion,
    ReturnSection,
    ReturnVersion,
)
from improvement_tracker.models.snapshots import CommitmentSnapshot, ProgressSnapshot
from improvement_tracker.models.submissions import FormSubmission
from improvement_tracker.models.users import LoginAttempt, User

__all__ = [
    "Action",
    "AuditEvent",
    "Commitment",
    "CommitmentDateProposal",
    "CommitmentForce",
    "DeepDive",
    "DueDateChange",
    "Finding",
    "Force",
    "FormSubmission",
    "JobRun",
    "LoginAttempt",
    "Milestone",
    "NationalVersion",
    "Notification",
    "OutcomeBaseline",
    "OutcomeFigure",
    "OutcomeMeasure",
    "Pillar",
    "CommitmentSnapshot",
    "ProgressSnapshot",
    "ProgressUpdate",
    "QuarterlyReturn",
    "ReminderClaim",
    "ReportingPeriod",
    "ReturnAssessment",
    "ReturnQuestion",
    "ReturnSection",
    "ReturnVersion",
    "Setting",
    "User",
]
