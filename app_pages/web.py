"""The HTTP layer around the Streamlit app (no page code): session cookie, headers, downloads.

Served by `server.py` through Streamlit's ASGI server (`st.App`). Three things Streamlit's own
server does not do:

- **The session cookie is set by the server** (`HttpOnly`, `SameSite=Strict`, `Secure` over
  HTTPS): a script run cannot send HTTP headers, so it hands the token to `grant()`, which keeps
  it in this process under a one-time code for GRANT_SECONDS, and loads `SESSION_PATH?grant=code`
  in a 1-pixel frame; that request's response carries the `Set-Cookie`. Page scripts, and so
  any injected script, never see the token.
- **Security headers** on every response: no framing by other sites, no MIME sniffing, no
  referrer, a restrictive CSP where Streamlit allows one (see README, "Production").
- **Downloads under /media/ need a valid session**: the cookie must belong to a session that
  `impactmonitor.sessions.session_user` accepts; otherwise 403. The files themselves are made
  only when the user clicks (deferred downloads, audited then, see app_pages/ui.py) under an
  unguessable id, and Streamlit drops them at the second script run after they are no longer
  shown.
"""

from __future__ import annotations

import os
import secrets
import threading
import time

from impactmonitor.sessions import COOKIE_NAME, session_user
from impactmonitor.storage import Database, default_db_path

SESSION_PATH = "/impactmonitor/session"
GRANT_SECONDS = 60
SECURE_COOKIE_ENV = "IMPACTMONITOR_COOKIE_SECURE"

_grants: dict[str, tuple[str, int, float]] = {}  # code -> (token, max_age, valid until)
_grants_lock = threading.Lock()

# Streamlit needs inline styles and its own scripts (and 'unsafe-eval' for Vega/Plotly); what
# a CSP can still close: framing by other sites, plugins, foreign form targets and base URLs.
SECURITY_HEADERS = {
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": (
        "frame-ancestors 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def grant(token: str, max_age: int) -> str:
    """A one-time code under which the cookie endpoint will set `token` (max_age 0: clear)."""
    code = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _grants_lock:
        for stale in [c for c, (_, _, until) in _grants.items() if until < now]:
            del _grants[stale]
        _grants[code] = (token, max_age, now + GRANT_SECONDS)
    return code


def redeem(code: str | None) -> tuple[str, int] | None:
    """The token and max_age of a code, once; None when unknown, used or too old."""
    with _grants_lock:
        entry = _grants.pop(code or "", None)
    if entry is None or entry[2] < time.monotonic():
        return None
    return entry[0], entry[1]


def _secure(request) -> bool:
    return request.url.scheme == "https" or os.environ.get(SECURE_COOKIE_ENV, "") in ("1", "true")


async def session_cookie_endpoint(request):
    """Set (or clear) the session cookie for a one-time code from `grant()`."""
    from starlette.responses import Response

    redeemed = redeem(request.query_params.get("grant"))
    response = Response(status_code=204 if redeemed else 404, headers={"Cache-Control": "no-store"})
    if redeemed is not None:
        token, max_age = redeemed
        response.set_cookie(
            COOKIE_NAME,
            token,
            max_age=max_age,
            path="/",
            httponly=True,
            secure=_secure(request),
            samesite="strict",
        )
    return response


_database: Database | None = None


def _db() -> Database:
    global _database
    if _database is None or _database.path != default_db_path():
        _database = Database(default_db_path())
    return _database


def media_allowed(cookie: str | None, user_agent: str | None) -> bool:
    """A /media/ download is served only to a browser with a valid session."""
    return session_user(_db(), cookie, user_agent) is not None


class SecurityMiddleware:
    """ASGI middleware: security headers on every HTTP response; /media/ only with a session."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("path", "").startswith("/media/"):
            from starlette.concurrency import run_in_threadpool
            from starlette.requests import Request
            from starlette.responses import Response

            request = Request(scope)
            allowed = await run_in_threadpool(
                media_allowed, request.cookies.get(COOKIE_NAME), request.headers.get("user-agent")
            )
            if not allowed:
                await Response(status_code=403, headers=SECURITY_HEADERS)(scope, receive, send)
                return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.lower().encode("latin-1") not in present:
                        headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
