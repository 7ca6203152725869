"""Sign-in and sign-out pages, the account page with API tokens, and /api/v1/me."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from wholeplace.auth import service
from wholeplace.problems import InvalidInput, Problem
from wholeplace.web.deps import ApiActor, AppSettings, CheckedForm, DbSession, PageActor
from wholeplace.web.params import RecordId
from wholeplace.web.security import SESSION_COOKIE, cookies_secure
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["account"])


def _safe_next(target: str | None) -> str:
    """Only paths on this site, so the sign-in page cannot be used to send people elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


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
            token = service.start_session(session, settings, result.user)
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(
                SESSION_COOKIE,
                token,
                httponly=True,
                samesite="lax",
                secure=cookies_secure(request),
                max_age=settings.session_hours * 3600,
            )
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
    service.end_session(session, actor, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@pages.get("/account", response_class=HTMLResponse)
def account(request: Request, session: DbSession, actor: PageActor) -> HTMLResponse:
    return _account_page(request, session, actor)


def _account_page(request: Request, session: DbSession, actor: PageActor, **context: object) -> HTMLResponse:
    user = service.user_by_email(session, actor.label)
    tokens = service.list_tokens(session, actor)
    status = 422 if context.get("error_list") else 200
    return render(
        request,
        "auth/account.html",
        {"title": "Your account", "user": user, "tokens": tokens, **context},
        status_code=status,
    )


@pages.post("/account/tokens", response_class=HTMLResponse)
def create_token(request: Request, session: DbSession, actor: PageActor, form: CheckedForm) -> HTMLResponse:
    try:
        token, secret = service.create_token(session, actor, name=str(form.get("name", "")))
    except InvalidInput as error:
        return _account_page(request, session, actor, **error_summary(error.problems, {"name": "token-name"}))
    return _account_page(request, session, actor, new_token=token, new_secret=secret)


@pages.post("/account/tokens/{token_id}/revoke")
def revoke_token(session: DbSession, actor: PageActor, form: CheckedForm, token_id: RecordId) -> RedirectResponse:
    service.revoke_token(session, actor, token_id=token_id)
    return RedirectResponse("/account?revoked=1", status_code=303)


class Me(BaseModel):
    email: str
    organisation_id: int | None
    roles: list[str]


@api.get("/me", response_model=Me)
def me(actor: ApiActor) -> Me:
    """The user the API token belongs to."""
    return Me(email=actor.label, organisation_id=actor.organisation_id, roles=sorted(actor.roles))
