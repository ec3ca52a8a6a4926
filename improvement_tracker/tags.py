"""The small pieces of GOV.UK markup every list repeats in each row: status, RAG and review tags,
a due date, an evidence count. Written in Python, not as Jinja macros: a macro call costs tens of
microseconds, and a plan page makes hundreds of them on every request."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from improvement_tracker.formatting import govuk_date
from improvement_tracker.services.evidence import REVIEW_LABELS, REVIEW_TAG_CLASSES
from improvement_tracker.services.plan_rules import RAG_LABELS
from improvement_tracker.services.status import STATUS_LABELS

STATUS_TAG_CLASSES = {
    "not_started": "govuk-tag--grey",
    "in_progress": "govuk-tag--blue",
    "awaiting_sign_off": "govuk-tag--purple",
    "complete": "govuk-tag--green",
    "blocked": "govuk-tag--red",
    "closed_not_needed": "govuk-tag--grey",
}
RAG_TAG_CLASSES = {"red": "govuk-tag--red", "amber": "govuk-tag--orange", "green": "govuk-tag--green"}


def _tag(classes: str, text: str) -> Markup:
    return Markup('<strong class="govuk-tag {}">{}</strong>').format(classes, text)


def status_tag(status: str) -> Markup:
    return _tag(STATUS_TAG_CLASSES[status], STATUS_LABELS[status])


def rag_tag(rag: str | None) -> Markup:
    if not rag:
        return Markup('<span class="govuk-body-s">Not applicable</span>')
    return _tag(RAG_TAG_CLASSES[rag], RAG_LABELS[rag])


def review_tag(state: str) -> Markup:
    return _tag(REVIEW_TAG_CLASSES[state], REVIEW_LABELS[state])


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
           "counts_summary": counts_summary}
