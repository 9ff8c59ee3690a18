"""The floor of the benchmark: a bare ASGI app answering ``hello`` to every HTTP request.

Served by the same uvicorn settings as PlayerDesk, it measures what the server, the loopback network and
the client cost on their own. ``uvicorn bench.hello_asgi:app``
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

BODY = b"hello\n"
HEADERS = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
