"""A request body past `max_upload_mb` is refused (413) before it is read, or as soon as it passes the limit.

A 50 MB partners file was read whole and parsed for minutes in gigabytes. A body that says its length is
refused at once; one sent in chunks is counted as it arrives and refused when it passes the limit.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wholeplace.problems import Problem
from wholeplace.web.errors import error_response


def too_large(limit_mb: int) -> str:
    return f"The upload is larger than {limit_mb} MB, the most this service accepts"


class BodyLimit:
    def __init__(self, app: ASGIApp, max_mb: int) -> None:
        self.app, self.max_mb = app, max_mb

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_mb * 1024 * 1024
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            response = error_response(Request(scope), 413, [Problem("", too_large(self.max_mb))])
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                # an HTTPException passes through FastAPI's body reading to the error handler, which answers 413
                raise HTTPException(413, too_large(self.max_mb))
            return message

        await self.app(scope, counted, send)
