"""A small but real OpenID Connect provider for tests: authorization code flow with PKCE over HTTP.

It plays the trusted identity provider (e.g. a provincial 统一身份认证 platform) so our client is
exercised end to end, signatures and all. Approval is automatic for the user chosen with login_as().
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import unquote, urlencode

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from jwt.algorithms import RSAAlgorithm

CODE_LIFETIME_SECONDS = 60
ID_TOKEN_LIFETIME_SECONDS = 300


@dataclass(frozen=True)
class _Client:
    secret: str
    redirect_uri: str


@dataclass(frozen=True)
class _Grant:
    client_id: str
    redirect_uri: str
    subject: str
    nonce: str | None
    code_challenge: str
    issued_at: float


class TestIdP:
    __test__ = False  # a helper, not a test class, despite the name

    def __init__(self, *, now: Callable[[], datetime] | None = None) -> None:
        # `now` lets a test pin the provider's clock to the same fixed time it gives our client.
        self._now = now or (lambda: datetime.now(timezone.utc))
        self._clients: dict[str, _Client] = {}
        self._users: dict[str, dict] = {}
        self._grants: dict[str, _Grant] = {}
        self._lock = threading.Lock()
        self._login: str | None = None
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._kid = secrets.token_hex(8)
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.issuer = ""
        self.id_token_overrides: dict = {}

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> TestIdP:
        # Binding the socket ourselves gives a free port with no race between picking and listening.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        self._socket = sock
        self.issuer = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(self._app(), log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                raise RuntimeError("test identity provider did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> TestIdP:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- set-up -------------------------------------------------------------------------------

    def register_client(self, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self._clients[client_id] = _Client(secret=client_secret, redirect_uri=redirect_uri)

    def add_user(self, subject: str, claims: dict) -> None:
        self._users[subject] = dict(claims)

    def login_as(self, subject: str | None) -> None:
        """Choose whom /authorize approves; None makes it answer login_required."""
        if subject is not None and subject not in self._users:
            raise KeyError(subject)
        self._login = subject

    def public_jwk(self) -> dict:
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        return {**jwk, "kid": self._kid, "use": "sig", "alg": "RS256"}

    # --- the provider -------------------------------------------------------------------------

    def _app(self) -> FastAPI:
        app = FastAPI()
        app.get("/.well-known/openid-configuration")(self._metadata)
        app.get("/authorize")(self._authorize)
        app.post("/token")(self._token)
        app.get("/jwks")(self._jwks)
        return app

    def _metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def _jwks(self) -> dict:
        return {"keys": [self.public_jwk()]}

    def _authorize(self, request: Request):
        q = request.query_params
        client = self._clients.get(q.get("client_id", ""))
        # An unknown client or redirect URI must never be redirected to (RFC 6749 4.1.2.1).
        if client is None or q.get("redirect_uri") != client.redirect_uri:
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        state = q.get("state")
        if q.get("response_type") != "code" or "openid" not in q.get("scope", "").split():
            return self._redirect(client.redirect_uri, error="invalid_request", state=state)
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return self._redirect(client.redirect_uri, error="invalid_request", state=state)
        if self._login is None:
            return self._redirect(client.redirect_uri, error="login_required", state=state)
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._grants[code] = _Grant(
                client_id=q["client_id"],
                redirect_uri=client.redirect_uri,
                subject=self._login,
                nonce=q.get("nonce"),
                code_challenge=q["code_challenge"],
                issued_at=time.monotonic(),
            )
        return self._redirect(client.redirect_uri, code=code, state=state)

    @staticmethod
    def _redirect(redirect_uri: str, **params: str | None) -> RedirectResponse:
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return RedirectResponse(f"{redirect_uri}?{query}", status_code=302)

    def _token(
        self,
        request: Request,
        grant_type: str = Form(""),
        code: str = Form(""),
        redirect_uri: str = Form(""),
        code_verifier: str = Form(""),
    ):
        client_id = self._authenticate(request.headers.get("authorization", ""))
        if client_id is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401, headers={"WWW-Authenticate": "Basic"})
        if grant_type != "authorization_code":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        with self._lock:
            grant = self._grants.pop(code, None)  # single use, even when the rest of the request is wrong
        if grant is None or not self._grant_matches(grant, client_id, redirect_uri, code_verifier):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": ID_TOKEN_LIFETIME_SECONDS,
                "id_token": self._id_token(grant, client_id),
            },
            headers={"Cache-Control": "no-store"},
        )

    def _authenticate(self, header: str) -> str | None:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            raw_id, _, raw_secret = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
        except ValueError:
            return None
        client_id, secret = unquote(raw_id), unquote(raw_secret)
        client = self._clients.get(client_id)
        if client is None or not hmac.compare_digest(client.secret.encode(), secret.encode()):
            return None
        return client_id

    @staticmethod
    def _grant_matches(grant: _Grant, client_id: str, redirect_uri: str, code_verifier: str) -> bool:
        if grant.client_id != client_id or grant.redirect_uri != redirect_uri:
            return False
        if time.monotonic() - grant.issued_at > CODE_LIFETIME_SECONDS:
            return False
        digest = hashlib.sha256(code_verifier.encode("ascii", "replace")).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        return hmac.compare_digest(challenge, grant.code_challenge)

    def _id_token(self, grant: _Grant, client_id: str) -> str:
        iat = int(self._now().timestamp())
        claims = {
            **self._users[grant.subject],
            "iss": self.issuer,
            "sub": grant.subject,
            "aud": client_id,
            "iat": iat,
            "exp": iat + ID_TOKEN_LIFETIME_SECONDS,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        # Lets a test make the provider misbehave (e.g. another audience) without a second provider.
        claims.update(self.id_token_overrides)
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self._kid})
