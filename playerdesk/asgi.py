"""ASGI entry point: HTTP through Django, WebSockets through Channels (console live updates, chat)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playerdesk.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from playerdesk.chat.origins import WidgetOriginValidator  # noqa: E402
from playerdesk.core import gcpolicy  # noqa: E402
from playerdesk.core.sockets import entry  # noqa: E402
from playerdesk.routing import STAFF_SOCKETS, WIDGET_SOCKETS  # noqa: E402

application = entry(
    http=django_asgi_app,
    widget=WIDGET_SOCKETS,
    staff=STAFF_SOCKETS,
    widget_origin=WidgetOriginValidator(None).valid_origin,
)

gcpolicy.apply()
