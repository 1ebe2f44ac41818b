"""The OpenID Connect client against a real (test) identity provider over HTTP (ACC-03 关联注册)."""

from __future__ import annotations

import base64
import hashlib
import socket
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tongban.accounts import oidc
from tongban.core.errors import DomainError

from .oidc_idp import TestIdP

NOW = datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc)
REDIRECT_URI = "https://tongban.example.gov.cn/accounts/oidc/callback"
ALICE = {"name": "张三", "id_number": "510104199001011234", "phone_number": "13800000000"}


@pytest.fixture(scope="module")
def idp():
    with TestIdP(now=lambda: NOW) as provider:
        provider.register_client("tongban", "s3cret:with/odd chars", REDIRECT_URI)
        provider.add_user("alice", ALICE)
        provider.add_user("bob", {"name": "李四"})  # an account that never finished real-name checks
        yield provider


@pytest.fixture
def config(idp) -> oidc.ProviderConfig:
    return oidc.ProviderConfig(
        name="四川省统一身份认证",
        issuer=idp.issuer,
        client_id="tongban",
        client_secret="s3cret:with/odd chars",
        redirect_uri=REDIRECT_URI,
    )


@pytest.fixture
def http():
    with httpx.Client(timeout=5) as client:
        yield client


@pytest.fixture
def metadata(config, http) -> oidc.ProviderMetadata:
    return oidc.discover(config, http=http)


def _authorize(idp, config, metadata, http, subject="alice"):
    """Play the browser: follow the authorization URL to the provider and read the redirect back."""
    idp.login_as(subject)
    request = oidc.start(config, metadata)
    response = http.get(request.url, follow_redirects=False)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    query = parse_qs(urlsplit(location).query)
    return request, query["code"][0], query["state"][0]


def _finish(config, metadata, http, request, code, state, **overrides):
    arguments = dict(
        http=http,
        code=code,
        state=state,
        expected_state=request.state,
        nonce=request.nonce,
        code_verifier=request.code_verifier,
        now=NOW,
    )
    arguments.update(overrides)
    return oidc.finish(config, metadata, **arguments)


@pytest.mark.req("ACC-03")
def test_linked_identity_from_the_provider(idp, config, metadata, http):
    request, code, state = _authorize(idp, config, metadata, http)

    identity = _finish(config, metadata, http, request, code, state)

    assert identity.issuer == idp.issuer
    assert identity.subject == "alice"
    assert identity.name == "张三"
    assert identity.id_number == "510104199001011234"
    assert identity.phone == "13800000000"
    assert identity.raw_claims["sub"] == "alice"


def test_start_sends_pkce_state_and_nonce(config, metadata):
    request = oidc.start(config, metadata)
    query = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}

    assert query["response_type"] == "code"
    assert query["client_id"] == "tongban"
    assert query["redirect_uri"] == REDIRECT_URI
    assert query["scope"] == "openid profile"
    assert (query["state"], query["nonce"]) == (request.state, request.nonce)
    digest = hashlib.sha256(request.code_verifier.encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert query["code_challenge_method"] == "S256"
    assert oidc.start(config, metadata).state != request.state


def test_wrong_state_is_rejected(idp, config, metadata, http):
    request, code, _ = _authorize(idp, config, metadata, http)

    with pytest.raises(DomainError) as caught:
        _finish(config, metadata, http, request, code, "forged-state")

    assert caught.value.code == "OIDC_STATE_MISMATCH"
    assert caught.value.status_code == 401


def test_replayed_code_is_rejected(idp, config, metadata, http):
    request, code, state = _authorize(idp, config, metadata, http)
    _finish(config, metadata, http, request, code, state)

    with pytest.raises(DomainError) as caught:
        _finish(config, metadata, http, request, code, state)

    assert caught.value.code == "OIDC_CODE_REJECTED"


def test_wrong_code_verifier_is_rejected(idp, config, metadata, http):
    request, code, state = _authorize(idp, config, metadata, http)

    with pytest.raises(DomainError) as caught:
        _finish(config, metadata, http, request, code, state, code_verifier="x" * 64)

    assert caught.value.code == "OIDC_CODE_REJECTED"


def test_id_token_with_another_nonce_is_rejected(idp, config, metadata, http):
    request, code, state = _authorize(idp, config, metadata, http)

    with pytest.raises(DomainError) as caught:
        _finish(config, metadata, http, request, code, state, nonce="nonce-of-another-session")

    assert caught.value.code == "OIDC_TOKEN_INVALID"


def test_expired_id_token_is_rejected(idp, config, metadata, http):
    request, code, state = _authorize(idp, config, metadata, http)

    with pytest.raises(DomainError) as caught:
        _finish(config, metadata, http, request, code, state, now=NOW + timedelta(minutes=10))

    assert caught.value.code == "OIDC_TOKEN_INVALID"


def test_id_token_for_another_client_is_rejected(idp, config, metadata, http):
    request, code, state = _authorize(idp, config, metadata, http)
    idp.id_token_overrides = {"aud": "some-other-client"}
    try:
        with pytest.raises(DomainError) as caught:
            _finish(config, metadata, http, request, code, state)
    finally:
        idp.id_token_overrides = {}

    assert caught.value.code == "OIDC_TOKEN_INVALID"


def test_provider_without_id_number_cannot_link(idp, config, metadata, http):
    request, code, state = _authorize(idp, config, metadata, http, subject="bob")

    with pytest.raises(DomainError) as caught:
        _finish(config, metadata, http, request, code, state)

    assert caught.value.code == "OIDC_NO_ID_NUMBER"
    assert caught.value.status_code == 422


def test_discovery_refuses_metadata_for_another_issuer(config, http):
    lookalike = oidc.ProviderConfig(**{**config.__dict__, "issuer": config.issuer + "/"})

    with pytest.raises(DomainError) as caught:
        oidc.discover(lookalike, http=http)

    assert caught.value.code == "OIDC_PROVIDER_INVALID"


def test_unreachable_provider_is_reported_as_unavailable(config, http):
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    offline = oidc.ProviderConfig(**{**config.__dict__, "issuer": f"http://127.0.0.1:{port}"})

    with pytest.raises(DomainError) as caught:
        oidc.discover(offline, http=http)

    assert caught.value.code == "OIDC_UNAVAILABLE"
    assert caught.value.status_code == 503


def test_identity_repr_hides_the_id_number(idp, config, metadata, http):
    request, code, state = _authorize(idp, config, metadata, http)

    identity = _finish(config, metadata, http, request, code, state)

    assert "510104199001011234" not in repr(identity)
    assert "s3cret" not in repr(config)


def test_provider_from_env():
    assert oidc.provider_from_env({}) is None
    config = oidc.provider_from_env(
        {
            "TONGBAN_OIDC_ISSUER": "https://idp.sc.gov.cn",
            "TONGBAN_OIDC_CLIENT_ID": "tongban",
            "TONGBAN_OIDC_CLIENT_SECRET": "secret",
            "TONGBAN_OIDC_REDIRECT_URI": REDIRECT_URI,
            "TONGBAN_OIDC_NAME": "四川省统一身份认证",
        }
    )
    assert config == oidc.ProviderConfig(
        name="四川省统一身份认证",
        issuer="https://idp.sc.gov.cn",
        client_id="tongban",
        client_secret="secret",
        redirect_uri=REDIRECT_URI,
    )
    with pytest.raises(RuntimeError):
        oidc.provider_from_env({"TONGBAN_OIDC_ISSUER": "https://idp.sc.gov.cn"})
