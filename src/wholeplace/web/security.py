"""Security headers on every response, the CSRF cookie every form is checked against, and the cookie that carries a
secret shown once across the redirect after the form that made it."""

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
ONCE_COOKIE = "wholeplace_once"
ONCE_SECONDS = 300


class FormExpired(WholeplaceError):
    """A form came back without the token of the browser that asked for it (CSRF)."""


class PasswordChangeNeeded(WholeplaceError):
    """The user signed in with a temporary password and must choose their own before anything else."""


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


def new_csrf_token(request: Request, response: Response) -> None:
    """Give the browser a fresh CSRF token (at sign-in), so that one planted before it is worth nothing after."""
    response.set_cookie(
        CSRF_COOKIE, secrets.token_urlsafe(32), httponly=True, samesite="strict", secure=cookies_secure(request)
    )


def hand_over_once(request: Request, response: Response, secret: str, *, path: str) -> None:
    """Carry a new secret (a token, a temporary password) across the redirect after the form that made it, to the
    one page under `path` that shows it and then deletes the cookie: a form answers with a redirect, and the
    secret is never stored on the server. HttpOnly, SameSite=Strict, and gone after five minutes unread."""
    response.set_cookie(
        ONCE_COOKIE,
        secret,
        max_age=ONCE_SECONDS,
        path=path,
        httponly=True,
        samesite="strict",
        secure=cookies_secure(request),
    )


def take_once(request: Request) -> str | None:
    """The secret handed over to this page, if any; the page must call `forget_once` on its response."""
    return request.cookies.get(ONCE_COOKIE)


def forget_once(response: Response, *, path: str) -> None:
    response.delete_cookie(ONCE_COOKIE, path=path)
