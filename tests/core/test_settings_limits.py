"""Service limits of ratings and complaints come from `core.config`, overridable by TONGBAN_* and refusing nonsense."""

from __future__ import annotations

from tongban.complaints import common
from tongban.core.config import get_settings
from tongban.ratings import settings as ratings_settings


def test_limits_have_their_defaults_and_follow_the_environment(monkeypatch):
    for name in ("TONGBAN_RECTIFY_DAYS", "TONGBAN_RETURN_VISIT_SHARE", "TONGBAN_COMPLAINT_VERIFY_DAYS"):
        monkeypatch.delenv(name, raising=False)
    assert (ratings_settings.rectify_days(), ratings_settings.return_visit_share()) == (5, 0.05)
    assert common.days("complaint_verify_days") == 2 and common.days("matter_impossible_days") == 3
    monkeypatch.setenv("TONGBAN_RECTIFY_DAYS", "7")
    monkeypatch.setenv("TONGBAN_RETURN_VISIT_SHARE", "0.2")
    monkeypatch.setenv("TONGBAN_COMPLAINT_VERIFY_DAYS", "3")
    assert (ratings_settings.rectify_days(), ratings_settings.return_visit_share()) == (7, 0.2)
    assert common.days("complaint_verify_days") == 3 == get_settings().complaint_verify_days


def test_nonsense_falls_back_to_the_default(monkeypatch):
    monkeypatch.setenv("TONGBAN_RECTIFY_DAYS", "0")  # an agency always has at least a day
    monkeypatch.setenv("TONGBAN_RETURN_VISIT_SHARE", "1.5")
    monkeypatch.setenv("TONGBAN_COMPLAINT_DISPOSE_DAYS", "ten")
    assert get_settings().rectify_days == 5 and get_settings().return_visit_share == 0.05
    assert common.days("complaint_dispose_days") == 10
