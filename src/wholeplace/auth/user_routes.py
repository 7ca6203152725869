"""Users for an administrator: /admin/users pages and /api/v1/users. Thin: parse, call one service function, render."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from wholeplace.auth import sessions, users
from wholeplace.auth.actor import Actor, require
from wholeplace.auth.model import Role, User
from wholeplace.auth.schemas import UserChangesIn, UserCreated, UserIn, UserOut
from wholeplace.paging import PageOut
from wholeplace.partners import service as partners
from wholeplace.problems import InvalidInput
from wholeplace.web.deps import ApiActor, AppSettings, CheckedForm, DbSession, PageActor
from wholeplace.web.params import PageNumber, PageSize, RecordId
from wholeplace.web.security import forget_once, hand_over_once, take_once
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(tags=["users"])

USERS = "/admin/users"
# What the page says after each change (chosen by a fixed key, so the address cannot put words on the page).
NOTICES = {
    "added": "User added. Give them the temporary password below: they choose their own when they first sign in.",
    "roles": "Roles saved. They apply from the user's next page.",
    "deactivated": "User deactivated. They are signed out everywhere and their API tokens stop working.",
    "reactivated": "User reactivated. They can sign in again.",
    "unlocked": "Account unlocked. They can sign in again now.",
    "signed_out": "User signed out everywhere.",
    "password": "New temporary password made. They are signed out everywhere, and choose their own at sign-in.",
}


@api.get("/users", response_model=PageOut[UserOut])
def api_list(
    session: DbSession, actor: ApiActor, settings: AppSettings, page: PageNumber = 1, page_size: PageSize = None
) -> PageOut[UserOut]:
    """Users by name, a page at a time (administrators)."""
    found = users.list_users(session, actor, page=page, page_size=page_size or settings.page_size)
    return PageOut.of(found, [UserOut.of(user) for user in found.items])


@api.post("/users", response_model=UserCreated, status_code=status.HTTP_201_CREATED)
def api_create(session: DbSession, actor: ApiActor, body: UserIn) -> UserCreated:
    """Add a user; the answer holds their temporary password, this once."""
    user, password = users.add_user(
        session,
        actor,
        email=body.email,
        name=body.name,
        organisation_identifier=body.organisation_identifier,
        roles=body.roles,
    )
    return UserCreated(**UserOut.of(user).model_dump(), temporary_password=password)


@api.patch("/users/{user_id}", response_model=UserOut)
def api_update(session: DbSession, actor: ApiActor, user_id: RecordId, body: UserChangesIn) -> UserOut:
    """Change a user's roles, deactivate or reactivate them, or unlock their account."""
    changes = users.UserChanges(roles=body.roles, active=body.active, unlock=body.locked is False)
    return UserOut.of(users.change_user(session, actor, user_id, changes))


@pages.get(USERS, response_class=HTMLResponse)
def list_page(
    request: Request, session: DbSession, actor: PageActor, settings: AppSettings, page: PageNumber = 1
) -> HTMLResponse:
    found = users.list_users(session, actor, page=page, page_size=settings.page_size)
    return render(request, "auth/users.html", {"title": "Users", "found": found})


@pages.get(f"{USERS}/new", response_class=HTMLResponse)
def new_page(request: Request, session: DbSession, actor: PageActor) -> HTMLResponse:
    require(actor, "users.manage", object_type="user")
    return _new_form(request, session, actor, values={"roles": []})


@pages.post(f"{USERS}/new", response_model=None)
def create(request: Request, session: DbSession, actor: PageActor, form: CheckedForm) -> Response:
    values = _user_values(form)
    try:
        with session.begin_nested():
            user, password = users.add_user(
                session,
                actor,
                email=values["email"],
                name=values["name"],
                organisation_identifier=values["organisation"],
                roles=values["roles"],
            )
    except InvalidInput as error:
        return _new_form(request, session, actor, values=values, problems=error)
    response = RedirectResponse(f"{USERS}/{user.id}?done=added", status_code=303)
    hand_over_once(request, response, password, path=f"{USERS}/{user.id}")
    return response


def _user_values(form: FormData) -> dict[str, str | list[str]]:
    values: dict[str, str | list[str]] = {
        field: str(form.get(field, "")) for field in ("name", "email", "organisation")
    }
    values["roles"] = [str(role) for role in form.getlist("roles")]
    return values


def _new_form(
    request: Request,
    session: DbSession,
    actor: Actor,
    *,
    values: dict[str, str | list[str]],
    problems: InvalidInput | None = None,
) -> HTMLResponse:
    fields = {"roles": "roles-" + Role.ADMIN.value}
    return render(
        request,
        "auth/user_new.html",
        {
            "title": "Add a user",
            "values": values,
            "partners": partners.organisation_choices(session, actor),
            "roles": list(Role),
            **(error_summary(problems.problems, fields) if problems else {}),
        },
        status_code=422 if problems else 200,
    )


@pages.get(f"{USERS}/{{user_id}}", response_class=HTMLResponse)
def detail_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    settings: AppSettings,
    user_id: RecordId,
    done: str | None = None,
) -> HTMLResponse:
    user = users.get_user(session, actor, user_id)
    response = _detail(request, session, actor, settings, user, notice=NOTICES.get(done or ""))
    forget_once(response, path=f"{USERS}/{user_id}")
    return response


def _detail(
    request: Request,
    session: DbSession,
    actor: Actor,
    settings: AppSettings,
    user: User,
    *,
    notice: str | None = None,
    problems: InvalidInput | None = None,
    chosen_roles: list[str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "auth/user.html",
        {
            "title": user.name,
            "user": user,
            "is_self": user.id == actor.user_id,
            "notice": notice,
            "temporary_password": take_once(request),
            "open_sessions": sessions.open_sessions(session, settings, user.id),
            "roles": list(Role),
            "chosen_roles": chosen_roles if chosen_roles is not None else [role.value for role in user.roles],
            **(error_summary(problems.problems, {"roles": "roles-" + Role.ADMIN.value}) if problems else {}),
        },
        status_code=422 if problems else 200,
    )


@pages.post(f"{USERS}/{{user_id}}/roles", response_model=None)
def change_roles(
    request: Request, session: DbSession, actor: PageActor, settings: AppSettings, form: CheckedForm, user_id: RecordId
) -> Response:
    chosen = [str(role) for role in form.getlist("roles")]
    try:
        with session.begin_nested():
            users.change_user(session, actor, user_id, users.UserChanges(roles=chosen))
    except InvalidInput as error:
        user = users.get_user(session, actor, user_id)
        return _detail(request, session, actor, settings, user, problems=error, chosen_roles=chosen)
    return RedirectResponse(f"{USERS}/{user_id}?done=roles", status_code=303)


@pages.post(f"{USERS}/{{user_id}}/active")
def change_active(session: DbSession, actor: PageActor, form: CheckedForm, user_id: RecordId) -> RedirectResponse:
    active = form.get("active") == "yes"
    users.change_user(session, actor, user_id, users.UserChanges(active=active))
    return RedirectResponse(f"{USERS}/{user_id}?done={'reactivated' if active else 'deactivated'}", status_code=303)


@pages.post(f"{USERS}/{{user_id}}/unlock")
def unlock(session: DbSession, actor: PageActor, form: CheckedForm, user_id: RecordId) -> RedirectResponse:
    users.change_user(session, actor, user_id, users.UserChanges(unlock=True))
    return RedirectResponse(f"{USERS}/{user_id}?done=unlocked", status_code=303)


@pages.post(f"{USERS}/{{user_id}}/sign-out-everywhere")
def sign_out_everywhere(session: DbSession, actor: PageActor, form: CheckedForm, user_id: RecordId) -> RedirectResponse:
    users.sign_out_everywhere(session, actor, user_id)
    return RedirectResponse(f"{USERS}/{user_id}?done=signed_out", status_code=303)


@pages.post(f"{USERS}/{{user_id}}/password")
def reset_password(
    request: Request, session: DbSession, actor: PageActor, form: CheckedForm, user_id: RecordId
) -> RedirectResponse:
    _user, password = users.reset_password(session, actor, user_id)
    response = RedirectResponse(f"{USERS}/{user_id}?done=password", status_code=303)
    hand_over_once(request, response, password, path=f"{USERS}/{user_id}")
    return response
