"""The catalogue of outcome measures as first loaded (migration 0012; docs/outcomes.md): aggregates a
force returns each quarter, and the rates worked out from them. Administrators may edit the words;
the codes and how each rate is made never change."""

from __future__ import annotations

import sqlalchemy as sa

RMG_CAVEAT = ("Offences recorded, referred and charged in one quarter are not the same cases (the Rape "
              "Monitoring Group's caveat), so this rate is an indicator, not the outcome of a cohort of cases.")
POLICE_DATA = "The force's own crime and case management records, as returned to the Home Office each quarter."
# (code, name, definition, unit, better, source, caveat, numerator, denominator)
CATALOGUE = [
    ("recorded_offences", "Recorded adult rape offences",
     "Rape offences against victims aged 18 or over that the force recorded in the quarter.",
     "count", "neither", "Home Office police recorded crime.",
     "More recorded offences can mean more confidence to report or better recording, not more offending.",
     None, None),
    ("referrals", "Referrals to the CPS for a charging decision",
     "Adult rape cases the force referred to the Crown Prosecution Service for a charging decision in the quarter.",
     "count", "higher", "CPS and police case management records.", "", None, None),
    ("charges", "Charges or summons",
     "Adult rape offences given a charge or summons outcome in the quarter.",
     "count", "higher", "Home Office crime outcomes.", "", None, None),
    ("charge_rate", "Charge or summons rate",
     "Charges or summons ÷ recorded adult rape offences, in the same quarter.",
     "percentage", "higher", "Worked out from its parts.", RMG_CAVEAT, "charges", "recorded_offences"),
    ("outcomes_assigned", "Outcomes assigned",
     "Adult rape investigations given any outcome in the quarter.",
     "count", "neither", "Home Office crime outcomes.", "", None, None),
    ("victim_withdrawals", "Closed because the victim does not support further action",
     "Adult rape investigations closed in the quarter because the victim does not support further police "
     "action (outcomes 14 and 16).",
     "count", "lower", "Home Office crime outcomes.", "", None, None),
    ("victim_withdrawal_share", "Victim withdrawal",
     "Investigations closed because the victim does not support further action ÷ outcomes assigned, in the "
     "same quarter.",
     "percentage", "lower", "Worked out from its parts.",
     "Outcomes assigned in a quarter come from investigations opened in many earlier quarters.",
     "victim_withdrawals", "outcomes_assigned"),
    ("median_days_to_charge", "Median days from report to charge",
     "The median number of days from the offence being reported to the charge, for charges in the quarter.",
     "days", "lower", POLICE_DATA, "A median cannot be worked out from other forces' medians.", None, None),
    ("phones_taken", "Victims' phones taken for examination",
     "Adult rape victims whose mobile phone the force took for examination in the quarter.",
     "count", "neither", POLICE_DATA, "", None, None),
    ("phones_returned_24h", "Victims' phones returned within 24 hours",
     "Of the phones taken in the quarter, those returned to the victim within 24 hours.",
     "count", "higher", POLICE_DATA, "", None, None),
    ("phones_returned_24h_share", "Phones returned within 24 hours",
     "Victims' phones returned within 24 hours ÷ victims' phones taken, in the same quarter.",
     "percentage", "higher", "Worked out from its parts.", "", "phones_returned_24h", "phones_taken"),
]


_measures = sa.table(
    "outcome_measures", sa.column("code"), sa.column("name"), sa.column("definition"), sa.column("unit"),
    sa.column("better"), sa.column("source"), sa.column("caveat"), sa.column("numerator_code"),
    sa.column("denominator_code"), sa.column("display_order"), sa.column("updated_at"), sa.column("row_version"))
FIELDS = ("code", "name", "definition", "unit", "better", "source", "caveat", "numerator_code", "denominator_code")


def ensure_catalogue(connection: sa.Connection) -> int:
    """Insert any measure of the catalogue that is missing; return how many were added."""
    from improvement_tracker.models._types import utcnow

    have = set(connection.scalars(sa.select(_measures.c.code)))
    added = 0
    for order, row in enumerate(CATALOGUE, start=1):
        if row[0] not in have:
            connection.execute(_measures.insert().values(**dict(zip(FIELDS, row, strict=True)), display_order=order,
                                                         updated_at=utcnow(), row_version=1))
            added += 1
    return added
