"""Headers on every JSON API response: health data is never cached, and no content sniffing.

The pages set the same through their renderer (``pages.rendering.PAGE_HEADERS``); the API's
responses are built by FastAPI in many places (routes, error handlers, exports), so one ASGI
middleware adds what a response does not set itself.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
"""A shared or browser cache must not keep a patient's records (RFC 9111 ``no-store``)."""


class ApiHeaders:
    """ASGI middleware: :data:`API_HEADERS` on every response under ``prefix`` that lacks them."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.prefix):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in API_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
