"""ASGI entry point: HTTP through Django, WebSockets through Channels (console live updates, chat)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playerdesk.settings")

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from playerdesk.chat.origins import WidgetOriginValidator, widget_or  # noqa: E402
from playerdesk.routing import websocket_urlpatterns, widget_websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": widget_or(
            WidgetOriginValidator(URLRouter(widget_websocket_urlpatterns)),
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
        ),
    }
)
