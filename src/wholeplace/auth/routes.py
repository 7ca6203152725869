"""Sign-in and sign-out, the account page (API tokens, signing out everywhere), changing your password, /api/v1/me;
and, included from `user_routes`, the pages and API an administrator manages users with."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from wholeplace.auth import service, sessions, user_routes
from wholeplace.auth.model import TokenScope
from wholeplace.problems import InvalidInput, Problem
from wholeplace.settings import Settings
from wholeplace.web.deps import ApiActor, AppSettings, CheckedForm, DbSession, PageActor
from wholeplace.web.params import RecordId
from wholeplace.web.security import (
    SESSION_COOKIE,
    cookies_secure,
    forget_once,
    hand_over_once,
    new_csrf_token,
    take_once,
)
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["account"])
pages.include_router(user_routes.pages)
api.include_router(user_routes.api)

ACCOUNT = "/account"
ACCOUNT_NOTICES = {
    "revoked": "The API token has been revoked. It no longer works.",
    "password": "Your password has been changed. You have been signed out on every other device.",
}


def _safe_next(target: str | None) -> str:
    """Only paths on this site, so the sign-in page cannot be used to send people elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _set_session_cookie(request: Request, response: Response, settings: Settings, cookie: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        httponly=True,
        samesite="lax",
        secure=cookies_secure(request),
        max_age=settings.session_absolute_hours * 3600,
    )


@pages.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: Annotated[str | None, Query()] = None) -> HTMLResponse:
    return render(request, "auth/sign_in.html", {"title": "Sign in", "next": _safe_next(next), "values": {}})


@pages.post("/sign-in", response_model=None)
def sign_in(request: Request, session: DbSession, settings: AppSettings, form: CheckedForm) -> Response:
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "/")))
    problems = []
    if not email.strip():
        problems.append(Problem("email", "Enter your email address"))
    if not password:
        problems.append(Problem("password", "Enter your password"))
    if not problems:
        result = service.sign_in(session, settings, email=email, password=password)
        if result.user is not None:
            # A new session and a new CSRF token: nothing the browser held before sign-in is carried on.
            cookie = sessions.start_session(
                session, settings, result.user, replacing=request.cookies.get(SESSION_COOKIE)
            )
            response = RedirectResponse(
                "/account/password" if result.user.must_change_password else target, status_code=303
            )
            _set_session_cookie(request, response, settings, cookie)
            new_csrf_token(request, response)
            return response
        problems.append(Problem("email", result.message))
    return render(
        request,
        "auth/sign_in.html",
        {"title": "Sign in", "next": target, "values": {"email": email}, **error_summary(problems)},
        status_code=401 if len(problems) == 1 and problems[0].where == "email" else 422,
    )


@pages.post("/sign-out")
def sign_out(request: Request, session: DbSession, actor: PageActor, form: CheckedForm) -> RedirectResponse:
    service.sign_out(session, actor, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@pages.post("/account/sign-out-everywhere")
def sign_out_everywhere(session: DbSession, actor: PageActor, form: CheckedForm) -> RedirectResponse:
    service.sign_out_everywhere(session, actor)
    response = RedirectResponse("/sign-in?signed_out=everywhere", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@pages.get("/account", response_class=HTMLResponse)
def account(
    request: Request, session: DbSession, settings: AppSettings, actor: PageActor, done: str | None = None
) -> HTMLResponse:
    notice = ACCOUNT_NOTICES.get(done or "")
    response = _account_page(request, session, settings, actor, notice=notice, values={})
    forget_once(response, path=ACCOUNT)
    return response


def _account_page(
    request: Request, session: DbSession, settings: Settings, actor: PageActor, **context: object
) -> HTMLResponse:
    user = service.user_by_email(session, actor.label)
    return render(
        request,
        "auth/account.html",
        {
            "title": "Your account",
            "user": user,
            "tokens": service.list_tokens(session, actor),
            "new_secret": take_once(request),
            "scopes": list(TokenScope),
            "token_days": service.TOKEN_DAYS,
            "settings_idle": settings.session_idle_minutes,
            "settings_absolute": settings.session_absolute_hours,
            **context,
        },
        status_code=422 if context.get("error_list") else 200,
    )


@pages.post("/account/tokens", response_model=None)
def create_token(
    request: Request, session: DbSession, settings: AppSettings, actor: PageActor, form: CheckedForm
) -> Response:
    values = {field: str(form.get(field, "")) for field in ("name", "scope", "days")}
    try:
        days = int(values["days"]) if values["days"] in {str(choice) for choice in service.TOKEN_DAYS} else 0
        with session.begin_nested():
            _token, secret = service.create_token(session, actor, name=values["name"], scope=values["scope"], days=days)
    except InvalidInput as error:
        fields = {"name": "token-name", "scope": "token-scope", "days": "token-days"}
        problems = error_summary(error.problems, fields)
        return _account_page(request, session, settings, actor, values=values, **problems)
    response = RedirectResponse(f"{ACCOUNT}#new-token", status_code=303)
    hand_over_once(request, response, secret, path=ACCOUNT)
    return response


@pages.post("/account/tokens/{token_id}/revoke")
def revoke_token(session: DbSession, actor: PageActor, form: CheckedForm, token_id: RecordId) -> RedirectResponse:
    service.revoke_token(session, actor, token_id=token_id)
    return RedirectResponse(f"{ACCOUNT}?done=revoked", status_code=303)


@pages.get("/account/password", response_class=HTMLResponse)
def password_page(request: Request, session: DbSession, actor: PageActor) -> HTMLResponse:
    return _password_page(request, session, actor)


def _password_page(request: Request, session: DbSession, actor: PageActor, **context: object) -> HTMLResponse:
    user = service.user_by_email(session, actor.label)
    return render(
        request,
        "auth/password.html",
        {"title": "Change your password", "user": user, "min_length": service.MIN_PASSWORD_LENGTH, **context},
        status_code=422 if context.get("error_list") else 200,
    )


@pages.post("/account/password", response_model=None)
def change_password(
    request: Request, session: DbSession, settings: AppSettings, actor: PageActor, form: CheckedForm
) -> Response:
    change = service.change_password(
        session,
        settings,
        actor,
        current=str(form.get("current_password", "")),
        new=str(form.get("new_password", "")),
        confirm=str(form.get("confirm_password", "")),
        cookie=request.cookies.get(SESSION_COOKIE),
    )
    if change.cookie is None:  # refused: the page again, the fields empty (passwords are never sent back)
        return _password_page(request, session, actor, **error_summary(change.problems))
    response = RedirectResponse(f"{ACCOUNT}?done=password", status_code=303)
    _set_session_cookie(request, response, settings, change.cookie)
    return response


class Me(BaseModel):
    email: str
    organisation_id: int | None
    roles: list[str]


@api.get("/me", response_model=Me)
def me(actor: ApiActor) -> Me:
    """The user the API token belongs to."""
    return Me(email=actor.label, organisation_id=actor.organisation_id, roles=sorted(actor.roles))
