"""Dashboard tables as HTML, written in Python rather than a Jinja macro.

A national dashboard shows about 1,800 table cells; a Jinja macro call per cell cost most of
the page's time (35 ms of 46). This writes the same GOV.UK table markup with plain string
joins and markupsafe's escaping, a few milliseconds for the largest page.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import url_for
from markupsafe import Markup, escape

from improvement_tracker.formatting import NO_FIGURE as NO_FIGURE_TEXT
from improvement_tracker.formatting import govuk_date
from improvement_tracker.services.tables import Table

NO_FIGURE = f'<span class="govuk-visually-hidden">No figure</span>{NO_FIGURE_TEXT}'


def _cell(value: Any) -> str:
    if type(value) is int:  # most cells: nothing to escape
        return str(value)
    if value is None or value == "":
        return NO_FIGURE
    if isinstance(value, date):
        return govuk_date(value)
    return str(escape(value))


def table_html(table: Table, caption_class: str = "govuk-table__caption--s") -> Markup:
    """The table (headers, rows, links) inside its scrolling wrapper; the caller handles 'no rows'."""
    return _render(table, caption_class)


def _render(table: Table, caption_class: str) -> Markup:
    numeric = table.numeric
    out = [f'<div class="app-table-scroll" tabindex="0" role="region" aria-label="{escape(table.title)}">'
           f'<table class="govuk-table app-dashboard-table" '
           f'id="table-{escape(table.name)}"><caption class="govuk-table__caption {escape(caption_class)}">'
           f'{escape(table.title)}</caption><thead class="govuk-table__head"><tr class="govuk-table__row">']
    for i, header in enumerate(table.headers):
        extra = " govuk-table__header--numeric" if i in numeric else ""
        out.append(f'<th scope="col" class="govuk-table__header{extra}">{escape(header)}</th>')
    out.append('</tr></thead><tbody class="govuk-table__body">')
    headers = [str(escape(h)) for h in table.headers]
    for row, links in zip(table.rows, table.links, strict=True):
        out.append('<tr class="govuk-table__row">')
        for i, value in enumerate(row):
            numeric_class = " govuk-table__cell--numeric" if i in numeric else ""
            content = _cell(value)
            if i in links:
                link = links[i]
                href = link if isinstance(link, str) else url_for(link[0], **link[1])
                hidden = (f'<span class="govuk-visually-hidden"> {escape(row[0])}, {headers[i]}</span>'
                          if i > 0 and i in numeric else "")
                content = f'<a class="govuk-link" href="{escape(href)}">{content}{hidden}</a>'
            if i == 0:
                out.append(f'<th scope="row" class="govuk-table__header{numeric_class}">{content}</th>')
            else:
                out.append(f'<td class="govuk-table__cell{numeric_class}">{content}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return Markup("".join(out))  # noqa: S704  # nosec B704  # every value above went through escape()
