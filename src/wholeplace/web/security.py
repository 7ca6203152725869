"""Security headers on every response, and the CSRF cookie every form is checked against."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from wholeplace.problems import WholeplaceError

CSRF_COOKIE = "wholeplace_csrf"
CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "wholeplace_session"


class FormExpired(WholeplaceError):
    """A form came back without the token of the browser that asked for it (CSRF)."""


def cookies_secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.app.state.settings.secure_cookies


class SecurityMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        # A fresh nonce per response: GOV.UK Frontend's one inline script (adding `js-enabled`) carries it;
        # no other inline script can run.
        nonce = secrets.token_urlsafe(16)
        request.state.csp_nonce = nonce
        csrf_cookie = request.cookies.get(CSRF_COOKIE)
        request.state.csrf_token = csrf_cookie or secrets.token_urlsafe(32)
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if request.url.scheme == "https":
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if not request.url.path.startswith(("/assets/", "/static/")):  # pages and API answers hold personal data
            response.headers.setdefault("Cache-Control", "no-store")
        if csrf_cookie is None:
            response.set_cookie(
                CSRF_COOKIE, request.state.csrf_token, httponly=True, samesite="strict", secure=cookies_secure(request)
            )
        return response


def check_csrf(request: Request, submitted: object) -> None:
    """Double-submit check: the form's hidden token must equal this browser's CSRF cookie."""
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not isinstance(submitted, str) or not hmac.compare_digest(expected, submitted):
        raise FormExpired("The form had expired or came from another site. Go back, reload the page and try again")
