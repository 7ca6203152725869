"""One handler maps every error to a status: JSON under /api, a page everywhere else."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from wholeplace.audit import REQUEST_ID
from wholeplace.problems import (
    AccessRefused,
    Conflict,
    InvalidInput,
    NotFound,
    NotSignedIn,
    Problem,
    WholeplaceError,
)
from wholeplace.web.request_log import HEADER as REQUEST_ID_HEADER
from wholeplace.web.security import FormExpired, PasswordChangeNeeded
from wholeplace.web.templating import render

log = logging.getLogger(__name__)

STATUS = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    NotSignedIn: 401,
    AccessRefused: 403,
    FormExpired: 403,
}
TITLES = {
    400: "Bad request",
    401: "Sign in required",
    403: "You cannot do this",
    404: "Page not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "The upload is too large",
    422: "There is a problem with the input",
    500: "Sorry, there is a problem with the service",
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, status: int, problems: list[Problem]) -> Response:
    title = TITLES.get(status, "Error")
    if _is_api(request):
        body = {
            "error": {
                "status": status,
                "title": title,
                "problems": [{"where": p.where, "message": p.message} for p in problems],
            }
        }
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(body, status_code=status, headers=headers)
    if status == 401:
        return RedirectResponse(f"/sign-in?next={quote(request.url.path)}", status_code=303)
    return render(request, "error.html", {"title": title, "problems": problems}, status_code=status)


def install(app: FastAPI) -> None:
    @app.exception_handler(PasswordChangeNeeded)
    async def password_change_needed(request: Request, error: PasswordChangeNeeded) -> Response:
        return RedirectResponse("/account/password", status_code=303)

    @app.exception_handler(WholeplaceError)
    async def wholeplace_error(request: Request, error: WholeplaceError) -> Response:
        status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)
        return error_response(request, status, error.problems)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        problems = [_validation_problem(detail) for detail in error.errors()]
        return error_response(request, 422, problems)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        message = error.detail if isinstance(error.detail, str) else TITLES.get(error.status_code, "Error")
        if error.status_code == 404:
            message = "There is nothing at this address. Check it, or use the navigation"
        return error_response(request, error.status_code, [Problem("", message)])

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> Response:
        log.exception("Unexpected error on %s %s", request.method, request.url.path)
        response = error_response(request, 500, [Problem("", "Try again later. The error has been logged")])
        # This handler answers outside the request log's middleware, so it puts the id on the answer itself:
        # the id a user quotes from the page's headers finds the traceback in the log.
        if (request_id := REQUEST_ID.get()) is not None:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response


def _validation_problem(detail: dict[str, object]) -> Problem:
    location = [str(part) for part in detail.get("loc", ()) if part not in ("body",)]  # type: ignore[union-attr]
    if detail.get("type") == "json_invalid":
        return Problem("body", "The request body is not valid JSON: " + str(detail.get("ctx", {}).get("error", "")))  # type: ignore[union-attr]
    if detail.get("type") == "missing":
        return Problem(".".join(location), "Enter a value: this field is required")
    return Problem(".".join(location), str(detail.get("msg", "Invalid value")))
