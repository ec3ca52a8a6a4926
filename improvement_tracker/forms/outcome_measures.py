"""The administrators' form for an outcome measure's words: name, definition, source and caveat.

It has no field for the code, unit, direction or parts, so nothing sent can reach them."""

from __future__ import annotations

from wtforms.validators import InputRequired

from improvement_tracker.forms.base import EditForm
from improvement_tracker.forms.fields import Text, max_length
from improvement_tracker.forms.returns import CountedText
from improvement_tracker.services.outcome_measures import LABELS, LIMITS


def one_kind_of_line_break(value: str | None) -> str | None:
    """Browsers send a text area's line breaks as CRLF: the length limit counts what a reader sees,
    and an unchanged answer compares equal to the stored one (services.edits)."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def _words(field: str, description: str) -> CountedText:
    return CountedText(LABELS[field], LIMITS[field], description=description, filters=[one_kind_of_line_break])


class MeasureWordsForm(EditForm):
    name = Text(LABELS["name"], validators=[InputRequired(message="Enter the measure's name"),
                                            max_length(LIMITS["name"], LABELS["name"])])
    definition = _words("definition", "What is counted, and over what time")
    source = _words("source", "Where the figures come from")
    caveat = _words("caveat", "What a reader must know before drawing a conclusion. Leave blank if none applies")
