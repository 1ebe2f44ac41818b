"""Pages send a strict Content-Security-Policy (no inline script anywhere in the templates), refuse framing, limit
the referrer, forbid sniffing; cookies are Secure whenever the public address is https."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from tongban.core.config import get_settings

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def _policy(response) -> dict[str, str]:
    parts = [p.strip().split(" ", 1) for p in response.headers["content-security-policy"].split(";")]
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def test_pages_send_a_strict_policy_and_the_other_security_headers(client):
    for path in ("/", "/login", "/api/v1/items", "/static/style.css", "/no-such-page"):
        response = client.get(path)
        policy = _policy(response)
        assert policy["script-src"] == "'self'", path
        assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_no_template_carries_inline_script_or_event_handlers():
    root = Path(str(resources.files("tongban")))
    found = []
    for template in root.glob("**/templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        found += [f"{template.relative_to(root)}: {m.group(0)[:60]}" for m in INLINE_SCRIPT.finditer(text)]
        found += [f"{template.relative_to(root)}: {m.group(0)[-60:]}" for m in INLINE_HANDLER.finditer(text)]
    assert not found, "\n".join(found)


def test_scripts_the_pages_load_are_served_from_the_package(client):
    home = client.get("/").text
    for src in re.findall(r'<script src="([^"?]+)', home) + ["/static/locate.js", "/static/qr-login.js"]:
        response = client.get(src)
        assert response.status_code == 200 and "javascript" in response.headers["content-type"], src


def test_api_docs_load_swagger_ui_and_redoc_from_this_server_only(client):
    """/docs (the footer's "API") worked only where a public CDN was reachable; now every asset is ours."""
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200, path
        policy = _policy(page)
        assert policy["script-src"] == "'self'" and "http" not in page.headers["content-security-policy"], path
        assert policy["frame-ancestors"] == "'none'"
        assert not INLINE_SCRIPT.search(page.text), path
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert assets and all(a.startswith("/") for a in assets), assets
        for asset in assets:
            answer = client.get(asset)
            assert answer.status_code == 200 and len(answer.content) > 100, asset
    swagger = client.get("/docs").text
    assert "swagger-ui-bundle.js" in swagger and "/static/api-docs.js" in swagger
    assert client.get("/openapi.json").json()["info"]["title"]


@pytest.mark.parametrize(("public_url", "flag", "secure"), [
    ("https://zwfw.example.gov.cn", "0", True),
    ("http://127.0.0.1:8000", "1", True),
    ("http://127.0.0.1:8000", "0", False),
])
def test_cookies_are_secure_when_the_public_address_is_https(client, monkeypatch, public_url, flag, secure):
    monkeypatch.setenv("TONGBAN_PUBLIC_URL", public_url)
    monkeypatch.setenv("TONGBAN_SECURE_COOKIES", flag)
    assert get_settings().secure_cookies is secure
    client.cookies.clear()
    response = client.get("/login?lang=en")
    cookies = response.headers.get_list("set-cookie")
    assert {c.split("=", 1)[0] for c in cookies} >= {"tb_csrf", "tb_lang"}
    assert all(("secure" in c.lower()) is secure for c in cookies), cookies
