"""Template helpers: money in yuan, Chinese labels of enums and classifications."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from tongban.catalog import enums
from tongban.catalog.taxonomy import life_stage_label, tag_label, theme_label
from tongban.complaints import feedback
from tongban.core.clock import SHANGHAI
from tongban.core.config import get_settings
from tongban.core.links import is_web_link


def yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    return f"{fen // 100}.{fen % 100:02d}元"


def label(value: str | None, enum_name: str) -> str:
    if value in (None, ""):
        return ""
    enum = getattr(enums, enum_name)
    try:
        return enum(value).label
    except ValueError:
        return str(value)


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(SHANGHAI).strftime(fmt) if value else ""


def days(value: float | int | None, unit: str = "working_day") -> str:
    if value is None:
        return "—"
    if value == 0:
        return "即办"
    number = int(value) if float(value).is_integer() else value
    return f"{number}{enums.LimitUnit(unit).label}"


def with_param(request, key: str, value: str) -> str:
    """The current page's URL with one query parameter set (keeps filters when switching modes)."""
    params = dict(request.query_params)
    params[key] = value
    return f"{request.url.path}?{urlencode(params)}"


def public_address() -> str:
    """Where the portal is reached from outside (TONGBAN_PUBLIC_URL, else where `tongban serve` listens): for
    an address a person copies or prints; links within pages stay relative."""
    return get_settings().public_url


def install(env) -> None:
    env.globals["with_param"] = with_param
    env.globals["public_address"] = public_address
    env.globals["sees_feedback_queue"] = feedback.sees_queue  # the staff menus link the queue only for those who have one
    env.tests["web_link"] = is_web_link  # `{% if url is web_link %}`: a stored javascript: link is never rendered
    env.filters.update(
        yuan=yuan, label=label, theme=theme_label, stage=life_stage_label, tag=tag_label, local_time=local_time, days=days
    )
