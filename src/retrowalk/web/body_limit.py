"""A ceiling on the size of every request body, declared or not.

A body whose ``Content-Length`` is over the limit is refused (413) before anything reads it. A
body sent without a length (``Transfer-Encoding: chunked``) or longer than it declared is
counted as it arrives, and the first chunk past the limit ends the request with the same 413:
no endpoint, form parser or upload spool ever holds more than the limit. Each endpoint still
checks its own, smaller limit on what it reads (e.g. an IMU recording, 40 MB).
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from retrowalk.web.errors import BodyTooLargeError, too_large_body

MAX_REQUEST_BYTES = 48 * 1024 * 1024
"""The largest upload (an IMU recording, 40 MB, ``services.recordings.MAX_RECORDING_BYTES``)
plus room for the multipart wrapping."""


class BodySizeLimit:
    """ASGI middleware enforcing ``max_bytes`` on HTTP request bodies."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > self.max_bytes:
            problem = f"the request body is {declared} bytes; the limit is {self.max_bytes}"
            await JSONResponse(too_large_body(problem), 413)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # an HTTPException, so FastAPI's body parsing passes it on unchanged and
                    # the error handlers answer 413 (web/errors.py)
                    raise BodyTooLargeError(self.max_bytes)
            return message

        await self.app(scope, counted, send)
