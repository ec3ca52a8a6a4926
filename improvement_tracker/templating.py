"""Template helpers: labels, dates in plain English, the CSP nonce."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, url_for
from flask_wtf import FlaskForm
from markupsafe import Markup

from improvement_tracker.csp import csp_nonce
from improvement_tracker.data_tables import table_html
from improvement_tracker.formatting import file_size, govuk_date, govuk_datetime, percent_text
from improvement_tracker.forms.base import new_submission_token
from improvement_tracker.forms.fields import GovDateField
from improvement_tracker.security import ROLE_LABELS
from improvement_tracker.services import clock, reporting_periods
from improvement_tracker.services.evidence import REVIEW_LABELS
from improvement_tracker.services.plan_rules import DUE_SOON_DAYS, RAG_LABELS, is_closed
from improvement_tracker.services.plans import FINDING_TYPE_LABELS, PRIORITY_LABELS
from improvement_tracker.services.reference_data import COHORT_LABELS, COUNTRY_LABELS
from improvement_tracker.services.status import STATUS_LABELS
from improvement_tracker.tags import GLOBALS as TAGS

EMAIL_STATUS_LABELS = {"pending": "Waiting", "sending": "Sending", "sent": "Sent", "failed": "Failed"}


def error_list(form: FlaskForm) -> list[dict[str, str]]:
    """The error summary's items: first any message about no one field (views._helpers.show_error),
    linking to its place on the page if it has one; then each field's, linking to its first box."""
    links = getattr(form, "form_error_links", {})
    items = [{"text": m, "href": links[m]} if m in links else {"text": m} for m in form.form_errors]
    for field in form:
        if field.errors:
            target = f"{field.id}-day" if isinstance(field, GovDateField) else field.id
            items.append({"text": field.errors[0], "href": f"#{target}"})
    return items


def paragraph(text: str | None, empty: str = "") -> Markup:
    """User text as one escaped paragraph that keeps its line breaks."""
    return Markup('<p class="govuk-body app-pre-wrap">{}</p>').format(text or empty)


def history_value(value, field: str) -> str:
    """An audited value as a person would say it: labels, not codes; dates in words."""
    if value is None or value == "":
        return "(none)"
    if field in ("status",) and value in STATUS_LABELS:
        return STATUS_LABELS[value]
    if field in ("declared_rag",) and value in RAG_LABELS:
        return RAG_LABELS[value]
    if field == "priority" and value in PRIORITY_LABELS:
        return PRIORITY_LABELS[value]
    if field == "type" and value in FINDING_TYPE_LABELS:
        return FINDING_TYPE_LABELS[value]
    if field == "role" and value in ROLE_LABELS:
        return ROLE_LABELS[value]
    if isinstance(value, str) and field.endswith("date"):
        try:
            return govuk_date(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def iso_date(value: str | None) -> str:
    """A date stored as ISO text (a frozen return's content) in GOV.UK words."""
    return govuk_date(date.fromisoformat(value)) if value else ""


def iso_datetime(value: str | None) -> str:
    """A naive-UTC timestamp stored as ISO text, in London time."""
    return govuk_datetime(datetime.fromisoformat(value)) if value else ""


def register(app: Flask) -> None:
    app.add_template_filter(iso_date, "iso_date")
    app.add_template_filter(iso_datetime, "iso_datetime")
    app.add_template_global(reporting_periods.label, "period_label")
    app.add_template_global(reporting_periods.slug, "period_slug")
    app.add_template_filter(govuk_date, "govuk_date")
    app.add_template_filter(govuk_datetime, "govuk_datetime")
    app.add_template_filter(paragraph, "paragraph")
    app.add_template_filter(history_value, "history_value")
    app.add_template_filter(file_size, "file_size")
    app.add_template_filter(percent_text, "percent")

    # `{% if action.status is closed %}`: the plan's rule, not a list of statuses in a template.
    app.jinja_env.tests["closed"] = is_closed
    app.add_template_global(error_list, "error_list")
    app.jinja_env.globals["submission_token"] = new_submission_token  # a button's one-time token
    app.jinja_env.globals.update(TAGS)
    app.add_template_global(table_html, "table_html")
    # Globals, not context variables, so imported macros can read them too.
    app.jinja_env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        RAG_LABELS=RAG_LABELS,
        FINDING_TYPE_LABELS=FINDING_TYPE_LABELS,
        PRIORITY_LABELS=PRIORITY_LABELS,
        ROLE_LABELS=ROLE_LABELS,
        EMAIL_STATUS_LABELS=EMAIL_STATUS_LABELS,
        REVIEW_LABELS=REVIEW_LABELS,
        COHORT_LABELS=COHORT_LABELS,
        COUNTRY_LABELS=COUNTRY_LABELS,
        DUE_SOON_DAYS=DUE_SOON_DAYS,
    )

    @app.context_processor
    def _globals() -> dict:
        return {
            "csp_nonce": csp_nonce(),
            # Names the GOV.UK page template reads.
            "cspNonce": csp_nonce(),
            "assetPath": url_for("static", filename="dist/govuk/assets"),
            "service_name": app.config["SERVICE_NAME"],
            "today": clock.today(),
        }
