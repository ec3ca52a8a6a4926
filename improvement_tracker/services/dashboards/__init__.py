"""Dashboard figures: the national picture, one force, one pillar across forces (docs/dashboards.md).

Each dashboard is a set of `Table`s (services.tables) with a headline and its charts' figures;
the page shows them, the charts are drawn from them and the exports write them. Every figure is
counted by the plan's own rules (services.plan_rules). What pages keep of them between requests
is decided in services.kept, not here.
"""

from improvement_tracker.services.dashboards.common import Dashboard, Filters, by_month
from improvement_tracker.services.dashboards.force import burn_up_by_month, force_dashboard
from improvement_tracker.services.dashboards.national import (
    CACHE_KEY,
    compute_national_payload,
    disagreements,
    national_dashboard,
    national_payload,
    payload_stamp,
    pillar_view,
    refresh_national_cache,
    trend_by_month,
)

__all__ = [
    "CACHE_KEY",
    "Dashboard",
    "Filters",
    "burn_up_by_month",
    "by_month",
    "compute_national_payload",
    "disagreements",
    "force_dashboard",
    "national_dashboard",
    "national_payload",
    "payload_stamp",
    "pillar_view",
    "refresh_national_cache",
    "trend_by_month",
]
