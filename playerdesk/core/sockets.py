"""The WebSocket entry: which socket a handshake opens, whether its page may open it, and who is on it.

Two kinds of sockets. The chat widget's (``WIDGET_SOCKETS``) is embedded in the operator's sites: the
page's origin must be one of the widget's origins (the chat app's validator, given by ``asgi``), and this
site's cookies mean nothing there (the widget says who it is in its first frame). The staff sockets
(``STAFF_SOCKETS``: console, chat screen) are this site's own pages: the origin must be one of
``ALLOWED_HOSTS`` (so no other site can open them with the agent's cookies), and the agent is the one
signed in by the session cookie.

One function does all of it, in place of a stack of middlewares: a chat server keeps thousands of
sockets open, and each middleware would keep its own copy of the handshake and a suspended call per
socket for the life of the connection.
"""

from __future__ import annotations

import types
from collections.abc import Awaitable, Callable, Mapping
from importlib import import_module
from typing import Any
from urllib.parse import ParseResult, urlparse

from channels.security.websocket import AllowedHostsOriginValidator, WebsocketDenier
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie

from playerdesk.core import totp

App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin1")
    return None


def _origin(scope: dict[str, Any]) -> ParseResult | None:
    value = _header(scope, b"origin")
    return urlparse(value) if value is not None else None


def entry(
    http: App,
    widget: Mapping[str, App],
    staff: Mapping[str, App],
    widget_origin: Callable[[ParseResult | None], bool],
) -> App:
    """The ASGI application: HTTP to ``http``; a WebSocket to the consumer for its path, once the origin is
    one it accepts (``widget_origin`` for the widget's sockets, this site's hosts for the staff's; unknown
    paths and refused origins are closed during the handshake, HTTP 403 to the browser). One function deep
    on purpose: every wrapping router stays suspended for each open socket."""
    staff_origin = AllowedHostsOriginValidator(None).valid_origin

    async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await http(scope, receive, send)
            return
        path = scope.get("path", "")
        if path in widget:
            allowed = widget_origin(_origin(scope))
            target = widget[path]
        elif path in staff:
            allowed = staff_origin(_origin(scope))
            target = staff[path]
        else:
            allowed, target = False, None
        if not allowed or target is None:
            await WebsocketDenier()(scope, receive, send)
            return
        await target(scope, receive, send)

    return application


def session_user(scope: dict[str, Any]) -> Any:
    """The user signed in on this site by the handshake's session cookie (``AnonymousUser`` without a
    valid one), checked as Django checks a request: session, backend and password hash. A user already
    in the scope (an authentication middleware in front) is taken as it is. As on the desk's pages, an
    agent whose session did not give its second step, or (when the desk requires it) an agent without
    one, is anonymous here. Runs on a database thread."""
    user = scope.get("user")
    store = None
    if user is None:
        cookies = parse_cookie(_header(scope, b"cookie") or "")
        key = cookies.get(settings.SESSION_COOKIE_NAME)
        if not key:
            return AnonymousUser()
        store = import_module(settings.SESSION_ENGINE).SessionStore(key)
        user = auth.get_user(types.SimpleNamespace(session=store))  # type: ignore[arg-type]
    agent = getattr(user, "agent", None) if user.is_authenticated else None
    if agent is None:
        return user
    if store is not None and not totp.session_passed(agent, store):
        return AnonymousUser()
    if settings.STAFF_2FA_REQUIRED and not agent.two_factor_on:
        return AnonymousUser()
    return user
