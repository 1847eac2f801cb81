"""A minimal OpenID Connect provider for tests: one client, one auto-approved user.

It serves the authorization-code flow the way Streamlit's ``st.login`` (Authlib)
walks it: discovery, ``/authorize`` (no log-in form: it approves the
configured user at once and redirects back with a code), ``/token`` (checks
the client's secret, the code, the redirect URI and the PKCE verifier, and
returns an access token and an RS256-signed ID token), ``/jwks`` and
``/userinfo``. It listens on 127.0.0.1 only, on a free port, in a thread.

The ID token is signed here with ``cryptography`` directly, so the signing
side shares no code with the verifying side (Authlib uses joserfc).

Examples
--------
>>> with OIDCProvider(client_id="app", client_secret="s3cret",
...                   redirect_uri="http://127.0.0.1:8501/oauth2callback",
...                   user=TestUser(email="ana@example.com", name="Ana")) as provider:
...     import json, urllib.request
...     with urllib.request.urlopen(provider.discovery_url) as response:
...         json.load(response)["token_endpoint"] == provider.issuer + "/token"
True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = ["TestUser", "OIDCProvider"]

ID_TOKEN_LIFETIME_S = 300


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_uint(number: int) -> str:
    return _b64url(number.to_bytes((number.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True)
class TestUser:
    """The person the provider signs in without asking.

    Attributes:
      email: the ``email`` claim (the dashboard's roles are keyed by it).
      name: the ``name`` claim.
      sub: the subject identifier (stable id at the provider).
    """

    __test__ = False  # not a pytest test class

    email: str
    name: str
    sub: str = ""

    def claims(self) -> dict[str, Any]:
        return {"sub": self.sub or hashlib.sha256(self.email.encode()).hexdigest()[:16],
                "email": self.email, "email_verified": True, "name": self.name}


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    claims: dict[str, Any]


@dataclass
class OIDCProvider:
    """An OpenID provider for one registered client; a context manager that serves it.

    Attributes:
      client_id, client_secret: the one registered client.
      redirect_uri: the only redirect URI that client may use.
      user: who ``/authorize`` signs in; set it between log-ins to change person.
      authorize_requests, token_requests: the query / form of every request
        received (secrets removed), for tests to check what the client sent.
    """

    client_id: str
    client_secret: str
    redirect_uri: str
    user: TestUser
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._kid = secrets.token_hex(8)
        self._grants: dict[str, _Grant] = {}
        self._access_tokens: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- addresses -------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        if self._server is None:
            raise RuntimeError("the provider is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def discovery_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    def metadata(self) -> dict[str, Any]:
        issuer = self.issuer
        return {
            "issuer": issuer,
            "authorization_endpoint": issuer + "/authorize",
            "token_endpoint": issuer + "/token",
            "jwks_uri": issuer + "/jwks",
            "userinfo_endpoint": issuer + "/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_post",
                                                      "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code"],
            "claims_supported": ["sub", "email", "email_verified", "name"],
        }

    def jwks(self) -> dict[str, Any]:
        numbers = self._key.public_key().public_numbers()
        return {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self._kid,
                          "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}]}

    # --- the flow --------------------------------------------------------------------

    def sign(self, claims: dict[str, Any]) -> str:
        """A compact JWS (RS256) of ``claims``."""
        header = {"alg": "RS256", "typ": "JWT", "kid": self._kid}
        signing_input = (_b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                         + _b64url(json.dumps(claims, separators=(",", ":")).encode()))
        signature = self._key.sign(signing_input.encode("ascii"), padding.PKCS1v15(),
                                   hashes.SHA256())
        return signing_input + "." + _b64url(signature)

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """Approve the configured user and send the browser back with a code."""
        self.authorize_requests.append(dict(query))
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or redirect_uri != self.redirect_uri:
            # never redirect to an unregistered URI: show the error instead
            return 400, {"Content-Type": "text/plain"}, b"unknown client or redirect_uri"
        state = query.get("state")
        problem = None
        if query.get("response_type") != "code":
            problem = "unsupported_response_type"
        elif "openid" not in query.get("scope", "").split():
            problem = "invalid_scope"
        elif query.get("code_challenge") and query.get("code_challenge_method") != "S256":
            problem = "invalid_request"
        if problem:
            params = {"error": problem, **({"state": state} if state else {})}
        else:
            code = secrets.token_urlsafe(24)
            with self._lock:
                self._grants[code] = _Grant(
                    client_id=self.client_id, redirect_uri=redirect_uri,
                    nonce=query.get("nonce"), code_challenge=query.get("code_challenge"),
                    code_challenge_method=query.get("code_challenge_method"),
                    claims=self.user.claims())
            params = {"code": code, **({"state": state} if state else {})}
        location = redirect_uri + ("&" if urlsplit(redirect_uri).query else "?") + urlencode(params)
        return 302, {"Location": location, "Cache-Control": "no-store"}, b""

    def _client_authenticated(self, form: dict[str, str], authorization: str | None) -> bool:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            try:
                decoded = base64.b64decode(authorization[6:]).decode()
            except ValueError:
                return False
            client_id, _, client_secret = decoded.partition(":")
        return (client_id == self.client_id and client_secret is not None
                and hmac.compare_digest(client_secret, self.client_secret))

    def token(self, form: dict[str, str],
              authorization: str | None) -> tuple[int, dict[str, str], bytes]:
        """Exchange a code for an access token and an ID token."""
        record = {k: v for k, v in form.items() if k != "client_secret"}
        record["client_auth"] = ("client_secret_basic" if authorization
                                 and authorization.startswith("Basic ")
                                 else "client_secret_post" if "client_secret" in form
                                 else "none")
        self.token_requests.append(record)
        if not self._client_authenticated(form, authorization):
            return _json(401, {"error": "invalid_client"})
        if form.get("grant_type") != "authorization_code":
            return _json(400, {"error": "unsupported_grant_type"})
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)  # a code works once
        if grant is None or grant.redirect_uri != form.get("redirect_uri"):
            return _json(400, {"error": "invalid_grant"})
        if grant.code_challenge:
            verifier = form.get("code_verifier", "")
            challenge = _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
            if not hmac.compare_digest(challenge, grant.code_challenge):
                return _json(400, {"error": "invalid_grant",
                                   "error_description": "PKCE verification failed"})
        access_token = secrets.token_urlsafe(32)
        now = int(time.time())
        digest = hashlib.sha256(access_token.encode("ascii")).digest()
        claims = {
            "iss": self.issuer, "aud": self.client_id, "iat": now,
            "exp": now + ID_TOKEN_LIFETIME_S, "auth_time": now,
            "at_hash": _b64url(digest[:16]),
            **({"nonce": grant.nonce} if grant.nonce else {}),
            **grant.claims,
        }
        with self._lock:
            self._access_tokens[access_token] = grant.claims
        return _json(200, {"access_token": access_token, "token_type": "Bearer",
                           "expires_in": ID_TOKEN_LIFETIME_S, "scope": "openid email profile",
                           "id_token": self.sign(claims)})

    def userinfo(self, authorization: str | None) -> tuple[int, dict[str, str], bytes]:
        token = (authorization or "").removeprefix("Bearer ")
        with self._lock:
            claims = self._access_tokens.get(token)
        if claims is None:
            return _json(401, {"error": "invalid_token"})
        return _json(200, claims)

    # --- serving ---------------------------------------------------------------------

    def __enter__(self) -> OIDCProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._reply(*_json(200, provider.metadata()))
                elif url.path == "/jwks":
                    self._reply(*_json(200, provider.jwks()))
                elif url.path == "/authorize":
                    self._reply(*provider.authorize(query))
                elif url.path == "/userinfo":
                    self._reply(*provider.userinfo(self.headers.get("Authorization")))
                else:
                    self._reply(404, {"Content-Type": "text/plain"}, b"not found")

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                form = {k: v[0] for k, v in parse_qs(body).items()}
                if urlsplit(self.path).path == "/token":
                    self._reply(*provider.token(form, self.headers.get("Authorization")))
                else:
                    self._reply(404, {"Content-Type": "text/plain"}, b"not found")

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # tests read authorize_requests / token_requests instead

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name="oidc-provider", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _json(status: int, document: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json", "Cache-Control": "no-store"}, \
        json.dumps(document).encode()
