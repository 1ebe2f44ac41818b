"""Settings of ratings, read from the environment with defaults (TONGBAN_RECTIFY_DAYS and friends)."""

from __future__ import annotations

import os


def rectify_days() -> int:
    """Working days an agency has to rectify a bad rating (RATE-03)."""
    return max(int(os.environ.get("TONGBAN_RECTIFY_DAYS", "5")), 1)


def return_visit_share() -> float:
    """Share of each agency's completed services drawn for a return visit each month (RATE-08)."""
    return min(max(float(os.environ.get("TONGBAN_RETURN_VISIT_SHARE", "0.05")), 0.0), 1.0)


def bad_rating_threshold() -> float:
    """Items above this bad-rating rate are flagged by supervision (SUP-05)."""
    return float(os.environ.get("TONGBAN_FLAG_BAD_RATING_RATE", "0.1"))


def bad_rating_min_total() -> int:
    return int(os.environ.get("TONGBAN_FLAG_BAD_RATING_MIN", "5"))
