"""Settings of ratings, from `core.config` (TONGBAN_RECTIFY_DAYS and friends; docs/staff.md)."""

from __future__ import annotations

from tongban.core.config import get_settings


def rectify_days() -> int:
    """Working days an agency has to rectify a bad rating (RATE-03)."""
    return get_settings().rectify_days


def return_visit_share() -> float:
    """Share of each agency's completed services drawn for a return visit each month (RATE-08)."""
    return get_settings().return_visit_share


def bad_rating_threshold() -> float:
    """Items above this bad-rating rate are flagged by supervision (SUP-05)."""
    return get_settings().flag_bad_rating_rate


def bad_rating_min_total() -> int:
    return get_settings().flag_bad_rating_min
