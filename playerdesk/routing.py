from django.urls import path

from playerdesk.chat.consumers import AgentChatConsumer, PlayerChatConsumer
from playerdesk.console.consumers import DeskConsumer

websocket_urlpatterns = [
    path("ws/desk/", DeskConsumer.as_asgi()),
    path("ws/chat/agent/", AgentChatConsumer.as_asgi()),
]

# The chat widget is embedded in the operator's sites: its socket has its own origin rule (see
# playerdesk.chat.origins) and never uses this site's cookies.
widget_websocket_urlpatterns = [
    path("ws/chat/", PlayerChatConsumer.as_asgi()),
]
