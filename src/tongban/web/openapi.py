"""The OpenAPI document says what the API answers: the shared error shape for every 4xx it can send, and the
real content type of routes that answer with a file rather than JSON."""

from __future__ import annotations

import json

from fastapi import FastAPI

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "稳定的错误代码，如 LOGIN_REQUIRED、CASE_NOT_FOUND"},
                "message": {"type": "string", "description": "给人看的中文说明"},
                "details": {"description": "可选：逐项说明（如每个填写有误的字段）"},
            },
        }
    },
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
DESCRIPTIONS = {
    401: "未登录或登录已失效",
    403: "没有权限，或须先完成首次登录的设置",
    404: "对象不存在（或不属于调用者）",
    409: "与当前状态或已有记录冲突（如重复提交、他人已处理）",
    413: "请求内容超过该类接口的大小上限",
    422: "输入有误：details 逐项说明",
    429: "尝试或请求次数超过限制，请稍后再试",
}
WRITES = {"post", "put", "patch", "delete"}
# Routes that answer with a file: the suffix of the path says which (the guide's PDF, the flow picture, ...).
FILE_TYPES = {
    ".pdf": "application/pdf",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ics": "text/calendar",
}
# Routes whose content type follows a `format` parameter (open data in json, csv or xlsx).
FORMAT_TYPES = {"application/json": {}, "text/csv": {}, FILE_TYPES[".xlsx"]: {}}


def error_statuses(path: str, method: str, operation: dict) -> list[int]:
    """The error statuses an operation can answer, from what the operation is."""
    statuses = [422, 429]
    if operation.get("security") or method in WRITES:  # a write may be refused for who asks (a kiosk, a session)
        statuses += [401, 403]
    lookup = any(p.get("in") in ("path", "query") for p in operation.get("parameters", []))
    if lookup or method in WRITES:  # by id or number, or a body naming an item, a slot, a challenge: it may not exist
        statuses.append(404)
    if method in WRITES:
        statuses += [409, 413]
    return sorted(set(statuses))


def _file_type(path: str) -> str | None:
    for suffix, media_type in FILE_TYPES.items():
        if path.endswith(suffix):
            return media_type
    return None


def _describe_success(path: str, operation: dict) -> None:
    ok = operation.get("responses", {}).get("200")
    if ok is None:
        return
    media_type = _file_type(path)
    if media_type:
        ok["content"] = {media_type: {"schema": {"type": "string", "format": "binary"}}}
    elif any(p.get("name") == "format" and p.get("in") == "query" for p in operation.get("parameters", [])):
        ok["content"] = {t: {"schema": {}} for t in FORMAT_TYPES}


def describe(schema: dict) -> dict:
    """Adds the shared error responses and file content types to a generated OpenAPI document, in place."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            _describe_success(path, operation)
            for status in error_statuses(path, method, operation):
                if str(status) not in responses or status == 422:  # a route's own description stays
                    responses[str(status)] = {"description": DESCRIPTIONS[status],
                                              "content": {"application/json": {"schema": ERROR_REF}}}
    # FastAPI's own 422 shape ({"detail": [...]}) is never sent: the error handlers answer with Error.
    components.pop("HTTPValidationError", None)
    if '"#/components/schemas/ValidationError"' not in json.dumps(schema):
        components.pop("ValidationError", None)
    return schema


def install(app: FastAPI) -> None:
    """`app.openapi()` (and /openapi.json, /docs) serve the described document."""
    generate = app.openapi  # FastAPI's: cached, built again when routes are added

    def openapi() -> dict:
        schema = generate()
        if "Error" not in schema.get("components", {}).get("schemas", {}):
            describe(schema)
        return schema

    app.openapi = openapi
