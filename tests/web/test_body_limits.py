"""Oversized requests are refused with 413 before the body is read: a declared Content-Length over the route
class's limit is answered at once, a body without one is cut off as it streams past the limit."""

from __future__ import annotations

import asyncio
import base64
import json

from tongban.cases.files import MAX_FILE_BYTES
from tongban.cases.schemas import ApplicationIn
from tongban.core.config import get_settings

CHUNK = 64 * 1024


def _call(app, method: str, path: str, *, headers: dict, chunks: int, chunk: bytes = b"a" * CHUNK):
    """Drives the ASGI app directly; returns (status, headers, body, number of body chunks the app pulled)."""
    pulled, sent = 0, []

    async def receive():
        nonlocal pulled
        if pulled >= chunks:
            return {"type": "http.disconnect"}
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": pulled < chunks}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body, pulled


def test_declared_oversized_login_is_refused_without_reading_a_byte(app):
    fifty_mb = 50 * 1024 * 1024
    status, headers, body, pulled = _call(
        app, "POST", "/api/v1/auth/login",
        headers={"content-type": "application/json", "content-length": str(fifty_mb)}, chunks=fifty_mb // CHUNK,
    )
    assert status == 413
    assert pulled == 0
    error = json.loads(body)["error"]
    assert error["code"] == "REQUEST_TOO_LARGE" and "1 MB" in error["message"]


def test_chunked_oversized_progress_form_is_cut_off_at_the_limit(app):
    limit = get_settings().max_body_kb * 1024
    status, headers, body, pulled = _call(
        app, "POST", "/progress", headers={"content-type": "application/x-www-form-urlencoded"}, chunks=800,
    )
    assert status == 413
    assert pulled * CHUNK <= limit + CHUNK  # stopped at the limit, not after 50 MB
    assert "text/html" in headers["content-type"] and "提交的内容过大" in body.decode()


def test_uploads_get_the_larger_limit_and_the_case_api_says_so(app):
    # 5 MB of materials is not refused for its size on the application page ...
    status, _, _, pulled = _call(
        app, "POST", "/items/1/apply", headers={"content-type": "multipart/form-data; boundary=x",
                                                "content-length": str(5 * 1024 * 1024)}, chunks=80,
    )
    assert status != 413
    # ... while more than the upload limit is, before reading, on the page and on the JSON API alike
    over = get_settings().max_upload_mb * 1024 * 1024 + 1
    for path in ("/items/1/apply", "/api/v1/cases"):
        status, _, body, pulled = _call(app, "POST", path, headers={"content-length": str(over)}, chunks=1)
        assert (status, pulled) == (413, 0)
        assert "每个文件不超过 10 MB" in body.decode()


def test_case_api_file_limit_is_the_pages_10_mb():
    schema = ApplicationIn.model_json_schema()
    file_in = schema["$defs"]["FileIn"]["properties"]["content_base64"]
    assert file_in["maxLength"] == len(base64.b64encode(b"\0" * MAX_FILE_BYTES))


def test_limits_follow_the_configuration(app, monkeypatch):
    monkeypatch.setenv("TONGBAN_MAX_BODY_KB", "2")
    status, _, body, _ = _call(app, "POST", "/api/v1/auth/login", headers={"content-length": "4096"}, chunks=1)
    assert status == 413 and "2 KB" in json.loads(body)["error"]["message"]

