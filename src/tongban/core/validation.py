"""Turns Pydantic validation errors into one clear Chinese message plus per-field details."""

from __future__ import annotations

from collections.abc import Iterable

_TEMPLATES = {
    "missing": "必须填写",
    "string_too_short": "长度不能少于 {min_length} 个字符",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多只能有 {max_length} 项",
    "string_pattern_mismatch": "格式不正确",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "greater_than": "必须大于 {gt}",
    "int_parsing": "必须是整数",
    "int_type": "必须是整数",
    "int_from_float": "必须是整数",
    "float_parsing": "必须是数字",
    "bool_parsing": "必须是“是”或“否”",
    "bool_type": "必须是“是”或“否”",
    "string_type": "必须是文本",
    "list_type": "必须是列表",
    "dict_type": "必须是对象",
    "model_type": "必须是对象",
    "extra_forbidden": "是不认识的字段",
    "enum": "取值必须是 {expected} 之一",
    "literal_error": "取值必须是 {expected} 之一",
    "json_invalid": "请求内容不是合法的 JSON",
}


def _where(loc: Iterable, from_request: bool) -> str:
    loc = list(loc)
    if from_request and loc and loc[0] in ("body", "query", "path", "form", "header", "cookie"):
        loc = loc[1:]  # FastAPI's marker of where the value came from, not a field name
    parts = [str(p) for p in loc]
    return ".".join(parts) or "请求"


def humanize(errors: list[dict], *, from_request: bool = False) -> tuple[str, list[dict]]:
    """Pydantic errors in Chinese; ``from_request`` for FastAPI's, whose locations start with body/query/path."""
    details = []
    for err in errors:
        kind = err.get("type", "")
        ctx = err.get("ctx") or {}
        if kind == "value_error":
            text = str(ctx.get("error", err.get("msg", ""))).removeprefix("Value error, ")
        elif kind in ("enum", "literal_error"):
            expected = str(ctx.get("expected", "")).replace(" or ", ", ").replace("'", "")
            text = _TEMPLATES[kind].format(expected="、".join(p.strip() for p in expected.split(",")))
        elif kind in _TEMPLATES:
            try:
                text = _TEMPLATES[kind].format(**ctx)
            except (KeyError, IndexError):
                text = _TEMPLATES[kind]
        else:
            text = "不合法"
        field = "请求内容" if kind == "json_invalid" else _where(err.get("loc", ()), from_request)
        details.append({"field": field, "message": text})
    if not details:
        return "请求内容不正确", details
    first = details[0]
    summary = first["message"] if first["field"] in ("请求", "请求内容") else f"“{first['field']}”{first['message']}"
    if len(details) > 1:
        summary += f"（另有 {len(details) - 1} 处错误）"
    return summary, details
