"""The identity provider's link on /login and /register appears only when a provider is configured (issue 21; ACC-03)."""

from __future__ import annotations

import pytest

OIDC_KEYS = ("ISSUER", "CLIENT_ID", "CLIENT_SECRET", "REDIRECT_URI", "NAME")


def _configure(monkeypatch, **values: str) -> None:
    for key in OIDC_KEYS:
        monkeypatch.delenv(f"TONGBAN_OIDC_{key}", raising=False)
    for key, value in values.items():
        monkeypatch.setenv(f"TONGBAN_OIDC_{key.upper()}", value)


@pytest.mark.req("ACC-03")
@pytest.mark.parametrize("path", ["/login", "/register"])
def test_no_link_to_a_provider_that_is_not_configured(client, monkeypatch, path):
    _configure(monkeypatch)
    page = client.get(path)
    assert page.status_code == 200 and "/auth/oidc/start" not in page.text and "统一身份认证" not in page.text


@pytest.mark.parametrize("path", ["/login", "/register"])
def test_no_link_when_the_provider_is_only_half_configured(client, monkeypatch, path):
    _configure(monkeypatch, issuer="https://idp.example.gov.cn")  # client id, secret and redirect missing
    page = client.get(path)
    assert page.status_code == 200 and "/auth/oidc/start" not in page.text


@pytest.mark.req("ACC-03")
@pytest.mark.parametrize(("path", "text"), [("/login", "四川省统一身份认证登录"), ("/register", "用四川省统一身份认证账号注册")])
def test_the_link_names_the_configured_provider(client, monkeypatch, path, text):
    _configure(monkeypatch, issuer="https://idp.example.gov.cn", client_id="tongban", client_secret="secret",
               redirect_uri="http://testserver/auth/oidc/callback", name="四川省统一身份认证")
    page = client.get(path).text
    assert f'<a href="/auth/oidc/start">{text}</a>' in page
