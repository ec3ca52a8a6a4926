"""Dashboard figures: the national picture, one force, one pillar across forces (docs/dashboards.md).

Each dashboard is a set of `Table`s (services.tables) with a headline and its charts' figures;
the page shows them, the charts are drawn from them and the exports write them. Every figure is
counted by the plan's own rules (services.plan_rules). What pages keep of them between requests
is decided in services.kept, not here.
"""

from improvement_tracker.services.dashboards.common import Dashboard, Filters
from improvement_tracker.services.dashboards.force import force_dashboard
from improvement_tracker.services.dashboards.national import (
    CACHE_KEY,
    compute_national_payload,
    disagreements,
    national_dashboard,
    national_payload,
    payload_stamp,
    pillar_view,
    refresh_national_cache,
)

__all__ = [
    "CACHE_KEY",
    "Dashboard",
    "Filters",
    "compute_national_payload",
    "disagreements",
    "force_dashboard",
    "national_dashboard",
    "national_payload",
    "payload_stamp",
    "pillar_view",
    "refresh_national_cache",
]
