"""OpenID Connect client for linked registration and login through a trusted identity provider (003 5-1 关联注册)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import quote, urlencode

import httpx
import jwt

from tongban.core.errors import DomainError, InvalidInput, Unauthorized
from tongban.core.logs import get_logger

log = get_logger("accounts.oidc")

# Asymmetric algorithms only: HS* would let anyone holding the client secret forge identities,
# and "none" would let anyone at all.
ALLOWED_ALGORITHMS = ("RS256", "ES256")
CLOCK_LEEWAY_SECONDS = 60
DEFAULT_PROVIDER_NAME = "统一身份认证平台"


class ProviderUnavailable(DomainError):
    """The identity provider could not be reached or answered nonsense: not the person's fault."""

    status_code = 503


@dataclass(frozen=True)
class ProviderConfig:
    name: str
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    scopes: str = "openid profile"
    id_number_claim: str = "id_number"
    name_claim: str = "name"
    phone_claim: str = "phone_number"


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True)
class AuthRequest:
    """What to send the browser to, and what to keep server-side (in the session) until it returns."""

    url: str
    state: str
    nonce: str
    code_verifier: str = field(repr=False)


@dataclass(frozen=True)
class LinkedIdentity:
    issuer: str
    subject: str
    name: str
    # Hidden from repr so an identity that ends up in a log line or traceback does not leak the number.
    id_number: str = field(repr=False)
    phone: str | None = field(repr=False)
    raw_claims: dict = field(repr=False)


def provider_from_env(environ: Mapping[str, str] | None = None) -> ProviderConfig | None:
    """The provider configured through TONGBAN_OIDC_*; None when linked registration is switched off."""
    env = os.environ if environ is None else environ
    issuer = env.get("TONGBAN_OIDC_ISSUER", "").strip()
    if not issuer:
        return None
    required = ("TONGBAN_OIDC_CLIENT_ID", "TONGBAN_OIDC_CLIENT_SECRET", "TONGBAN_OIDC_REDIRECT_URI")
    missing = [key for key in required if not env.get(key, "").strip()]
    if missing:
        # Fail at start-up rather than on the first person who tries to register.
        raise RuntimeError(f"TONGBAN_OIDC_ISSUER is set but {', '.join(missing)} is not")
    return ProviderConfig(
        name=env.get("TONGBAN_OIDC_NAME", "").strip() or DEFAULT_PROVIDER_NAME,
        issuer=issuer,
        client_id=env["TONGBAN_OIDC_CLIENT_ID"].strip(),
        client_secret=env["TONGBAN_OIDC_CLIENT_SECRET"].strip(),
        redirect_uri=env["TONGBAN_OIDC_REDIRECT_URI"].strip(),
    )


# --- errors -----------------------------------------------------------------------------------


def _unavailable() -> ProviderUnavailable:
    return ProviderUnavailable("OIDC_UNAVAILABLE", "身份认证平台暂时无法访问，请稍后再试")


def _misconfigured() -> ProviderUnavailable:
    return ProviderUnavailable("OIDC_PROVIDER_INVALID", "身份认证平台的配置信息有误，请联系管理员")


def _token_invalid() -> Unauthorized:
    return Unauthorized("OIDC_TOKEN_INVALID", "身份认证平台返回的凭证无效")


# --- discovery --------------------------------------------------------------------------------


def discover(config: ProviderConfig, *, http: httpx.Client) -> ProviderMetadata:
    """Read the provider's metadata (OpenID Connect Discovery 1.0, section 4)."""
    url = config.issuer.rstrip("/") + "/.well-known/openid-configuration"
    body = _get_json(http, url)
    endpoints = {}
    for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = body.get(key)
        if not isinstance(value, str) or not value:
            log.warning("oidc metadata incomplete", extra={"issuer": config.issuer, "missing": key})
            raise _misconfigured()
        endpoints[key] = value
    # Discovery 4.3: a different issuer means we were sent someone else's metadata.
    if endpoints["issuer"] != config.issuer:
        log.warning("oidc issuer mismatch", extra={"issuer": config.issuer, "advertised": endpoints["issuer"]})
        raise _misconfigured()
    return ProviderMetadata(**endpoints)


def _get_json(http: httpx.Client, url: str) -> dict:
    try:
        response = http.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        body = response.json()
    except httpx.HTTPError as exc:
        log.warning("oidc provider unreachable", extra={"url": url, "error": type(exc).__name__})
        raise _unavailable() from exc
    except ValueError as exc:
        log.warning("oidc provider sent non-JSON", extra={"url": url})
        raise _misconfigured() from exc
    if not isinstance(body, dict):
        raise _misconfigured()
    return body


# --- authorization request --------------------------------------------------------------------


def start(config: ProviderConfig, metadata: ProviderMetadata) -> AuthRequest:
    """Build the authorization-code request; the caller keeps state, nonce and verifier for finish()."""
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    code_verifier = secrets.token_urlsafe(64)  # 86 characters, inside RFC 7636's 43..128
    params = {
        "response_type": "code",
        "client_id": config.client_id,
        "redirect_uri": config.redirect_uri,
        "scope": config.scopes,
        "state": state,
        "nonce": nonce,
        "code_challenge": _s256(code_verifier),
        "code_challenge_method": "S256",
    }
    endpoint = metadata.authorization_endpoint
    separator = "&" if "?" in endpoint else "?"
    return AuthRequest(url=endpoint + separator + urlencode(params), state=state, nonce=nonce, code_verifier=code_verifier)


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


# --- callback ---------------------------------------------------------------------------------


def finish(
    config: ProviderConfig,
    metadata: ProviderMetadata,
    *,
    http: httpx.Client,
    code: str,
    state: str,
    expected_state: str,
    nonce: str,
    code_verifier: str,
    now: datetime,
) -> LinkedIdentity:
    """Complete the flow on the redirect back: check state, redeem the code, verify the ID token.

    `state` is what came back on the redirect; `expected_state`, `nonce` and `code_verifier` are the
    values start() produced for this browser session.
    """
    if not expected_state or not _same(state, expected_state):
        raise Unauthorized("OIDC_STATE_MISMATCH", "登录请求已过期或被篡改，请重新发起")
    id_token = _redeem_code(config, metadata, http=http, code=code, code_verifier=code_verifier)
    claims = _verify_id_token(config, metadata, http=http, id_token=id_token, nonce=nonce, now=now)
    identity = _identity_from(config, claims)
    log.info("oidc identity verified", extra={"issuer": identity.issuer})
    return identity


def _same(a: str, b: str) -> bool:
    # Constant time so the comparison does not reveal how much of a guessed value was right.
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _redeem_code(config: ProviderConfig, metadata: ProviderMetadata, *, http: httpx.Client, code: str, code_verifier: str) -> str:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": config.redirect_uri,
        "code_verifier": code_verifier,
    }
    try:
        response = http.post(metadata.token_endpoint, data=form, auth=_basic_auth(config), headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        log.warning("oidc token endpoint unreachable", extra={"issuer": config.issuer, "error": type(exc).__name__})
        raise _unavailable() from exc
    if response.status_code >= 500:
        log.warning("oidc token endpoint failed", extra={"issuer": config.issuer, "status": response.status_code})
        raise _unavailable()
    body = _json_or_empty(response)
    if response.status_code != 200:
        # The provider turned the code down (used already, expired, wrong client): start over.
        error = str(body.get("error", ""))[:64]  # the provider's error code only, never the body
        log.info("oidc code rejected", extra={"issuer": config.issuer, "status": response.status_code, "error": error})
        raise Unauthorized("OIDC_CODE_REJECTED", "身份认证平台拒绝了本次登录，请重新发起")
    id_token = body.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise _token_invalid()
    return id_token


def _basic_auth(config: ProviderConfig) -> httpx.BasicAuth:
    # RFC 6749 2.3.1: client id and secret are form-encoded before going into the Basic header.
    return httpx.BasicAuth(quote(config.client_id, safe=""), quote(config.client_secret, safe=""))


def _json_or_empty(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


# --- ID token ---------------------------------------------------------------------------------


def _verify_id_token(
    config: ProviderConfig, metadata: ProviderMetadata, *, http: httpx.Client, id_token: str, nonce: str, now: datetime
) -> dict:
    key = _signing_key(metadata, http=http, id_token=id_token)
    try:
        claims = jwt.decode(
            id_token,
            key=key,
            algorithms=[key.algorithm_name],
            audience=config.client_id,
            issuer=metadata.issuer,
            # PyJWT would check times against the real clock; we check them against the injected `now`.
            options={
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "require": ["iss", "sub", "aud", "exp", "iat", "nonce"],
            },
        )
    except jwt.PyJWTError as exc:
        log.warning("oidc id_token rejected", extra={"issuer": config.issuer, "reason": type(exc).__name__})
        raise _token_invalid() from exc
    _check_authorized_party(config, claims)
    _check_times(claims, now)
    if not isinstance(claims["nonce"], str) or not nonce or not _same(claims["nonce"], nonce):
        log.warning("oidc nonce mismatch", extra={"issuer": config.issuer})
        raise _token_invalid()
    return claims


def _signing_key(metadata: ProviderMetadata, *, http: httpx.Client, id_token: str) -> jwt.PyJWK:
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError as exc:
        raise _token_invalid() from exc
    alg = header.get("alg")
    if alg not in ALLOWED_ALGORITHMS:
        log.warning("oidc id_token algorithm refused", extra={"alg": str(alg)})
        raise _token_invalid()
    # Fetched per login rather than cached, so a provider's key rotation never locks people out.
    jwks = _get_json(http, metadata.jwks_uri)
    jwk = _pick_jwk(jwks.get("keys"), header.get("kid"), alg)
    try:
        return jwt.PyJWK(jwk, algorithm=alg)
    except jwt.PyJWTError as exc:
        raise _token_invalid() from exc


def _pick_jwk(keys: object, kid: object, alg: str) -> dict:
    if not isinstance(keys, list):
        raise _misconfigured()
    candidates = [
        k
        for k in keys
        if isinstance(k, dict) and k.get("use", "sig") == "sig" and k.get("alg", alg) == alg
    ]
    if kid is not None:
        candidates = [k for k in candidates if k.get("kid") == kid]
    # Without a kid only an unambiguous single key is acceptable.
    if len(candidates) != 1:
        log.warning("oidc signing key not found", extra={"kid": str(kid), "candidates": len(candidates)})
        raise _token_invalid()
    return candidates[0]


def _check_authorized_party(config: ProviderConfig, claims: dict) -> None:
    # OIDC Core 3.1.3.7: a token issued to several audiences must name us as the authorized party.
    aud = claims["aud"]
    azp = claims.get("azp")
    if isinstance(aud, list) and len(aud) > 1 and azp is None:
        raise _token_invalid()
    if azp is not None and azp != config.client_id:
        raise _token_invalid()


def _check_times(claims: dict, now: datetime) -> None:
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    moment = now.timestamp()
    try:
        exp = float(claims["exp"])
        iat = float(claims["iat"])
        nbf = float(claims["nbf"]) if "nbf" in claims else None
    except (TypeError, ValueError) as exc:
        raise _token_invalid() from exc
    if exp + CLOCK_LEEWAY_SECONDS <= moment:
        log.info("oidc id_token expired")
        raise _token_invalid()
    if iat - CLOCK_LEEWAY_SECONDS > moment or (nbf is not None and nbf - CLOCK_LEEWAY_SECONDS > moment):
        log.warning("oidc id_token from the future")
        raise _token_invalid()


# --- identity ---------------------------------------------------------------------------------


def _identity_from(config: ProviderConfig, claims: dict) -> LinkedIdentity:
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:
        raise _token_invalid()
    id_number = _text_claim(claims, config.id_number_claim)
    if id_number is None:
        raise InvalidInput("OIDC_NO_ID_NUMBER", "身份认证平台没有提供身份证号码，无法完成实名关联")
    name = _text_claim(claims, config.name_claim)
    if name is None:
        raise InvalidInput("OIDC_NO_NAME", "身份认证平台没有提供姓名，无法完成实名关联")
    return LinkedIdentity(
        issuer=claims["iss"],
        subject=subject,
        name=name,
        id_number=id_number,
        phone=_text_claim(claims, config.phone_claim),
        raw_claims=dict(claims),
    )


def _text_claim(claims: dict, key: str) -> str | None:
    value = claims.get(key)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()
