"""Give every request an id: taken from a sane `X-Request-ID` header, or made here.

The id is on `request.state.request_id`, in every response's `X-Request-ID` header, in
the body of an unexpected 500 and in the log line with its traceback, so a user's error
report leads straight to the server's log entry.
"""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")  # a client's id is echoed only if it is plain


def request_id_of(scope: Scope) -> str:
    """The id of the request in `scope` (made now if the middleware has not run)."""
    state = scope.setdefault("state", {})
    if "request_id" not in state:
        given = next(
            (v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-request-id"), ""
        )
        state["request_id"] = given if _SANE.fullmatch(given) else uuid.uuid4().hex
    return str(state["request_id"])


class RequestId:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_of(scope)

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        await self.app(scope, receive, tagged)
