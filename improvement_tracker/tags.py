"""The small pieces of GOV.UK markup every list repeats in each row: status, RAG and review tags,
a due date, an evidence count. Written in Python, not as Jinja macros: a macro call costs tens of
microseconds, and a plan page makes hundreds of them on every request."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from improvement_tracker.formatting import govuk_date
from improvement_tracker.services.evidence import REVIEW_LABELS
from improvement_tracker.services.plan_rules import RAG_LABELS
from improvement_tracker.services.status import STATUS_LABELS, STATUS_PALETTE

STATUS_TAG_CLASSES = {status: f"govuk-tag--{tag}" for status, (tag, _, _) in STATUS_PALETTE.items()}
RAG_TAG_CLASSES = {"red": "govuk-tag--red", "amber": "govuk-tag--orange", "green": "govuk-tag--green"}
REVIEW_TAG_CLASSES = {"submitted": "govuk-tag--yellow", "accepted": "govuk-tag--green", "rejected": "govuk-tag--red"}


def _tags(classes: dict[str, str], labels: dict[str, str]) -> dict[str, Markup]:
    """Every tag of a kind, written once: there are only a few of each."""
    return {value: Markup('<strong class="govuk-tag {}">{}</strong>').format(classes[value], labels[value])
            for value in classes}


_STATUS_TAGS = _tags(STATUS_TAG_CLASSES, STATUS_LABELS)
_RAG_TAGS = _tags(RAG_TAG_CLASSES, RAG_LABELS)
_REVIEW_TAGS = _tags(REVIEW_TAG_CLASSES, REVIEW_LABELS)
NOT_APPLICABLE = Markup('<span class="govuk-body-s">Not applicable</span>')


def status_tag(status: str) -> Markup:
    return _STATUS_TAGS[status]


def rag_tag(rag: str | None) -> Markup:
    return _RAG_TAGS[rag] if rag else NOT_APPLICABLE


def review_tag(state: str) -> Markup:
    return _REVIEW_TAGS[state]


def national_tag(reference: str | None) -> Markup:
    """A linked action's mark wherever actions are listed: the tag and its commitment's reference."""
    if not reference:
        return Markup("")
    return Markup('<strong class="govuk-tag govuk-tag--turquoise app-national-tag">National commitment</strong> '
                  '<span class="govuk-body-s">{}</span>').format(reference)


def due(action: Any) -> Markup:
    """The current due date, and the original one when the action was re-planned."""
    text = govuk_date(action.current_due_date)
    original, current = action.original_due_date, action.current_due_date
    if original and current and original != current:
        return Markup('{}<br><span class="govuk-body-s">(originally {})</span>').format(text, govuk_date(original))
    return escape(text)


def counts_summary(counts: Any) -> str:
    """Evidence on an action by review state: "2 accepted, 1 awaiting review", or "None"."""
    if counts.total == 0:
        return "None"
    parts = [f"{n} {label}" for n, label in ((counts.accepted, "accepted"), (counts.submitted, "awaiting review"),
                                             (counts.rejected, "rejected")) if n]
    return ", ".join(parts)


GLOBALS = {"status_tag": status_tag, "rag_tag": rag_tag, "review_tag": review_tag, "due": due,
           "counts_summary": counts_summary, "national_tag": national_tag}
