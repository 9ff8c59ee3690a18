"""WebSocket paths (the entry in ``playerdesk.core.sockets`` checks origins and dispatches)."""

from django.urls import path

from playerdesk.chat.consumers import AgentChatConsumer, PlayerChatConsumer
from playerdesk.console.consumers import DeskConsumer

# This site's pages: origins of ALLOWED_HOSTS, the agent signed in by the session cookie.
STAFF_SOCKETS = {
    "/ws/desk/": DeskConsumer.as_asgi(),
    "/ws/chat/agent/": AgentChatConsumer.as_asgi(),
}
# The chat widget is embedded in the operator's sites: its socket has its own origin rule (see
# playerdesk.chat.origins) and never uses this site's cookies.
WIDGET_SOCKETS = {
    "/ws/chat/": PlayerChatConsumer.as_asgi(),
}

# The same consumers as URL patterns (Channels' router, for tests that open a socket without a handshake).
websocket_urlpatterns = [path(p.lstrip("/"), app) for p, app in STAFF_SOCKETS.items()]
widget_websocket_urlpatterns = [path(p.lstrip("/"), app) for p, app in WIDGET_SOCKETS.items()]
