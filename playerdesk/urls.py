from django.urls import include, path

from playerdesk.api.api import api
from playerdesk.chat import views as chat_views
from playerdesk.core.views import healthz
from playerdesk.sla import views as sla_views
from playerdesk.tickets.views import download_attachment

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("desk/files/<int:pk>/", download_attachment, name="attachment-download"),
    path("desk/players/", include("playerdesk.console.player_urls")),
    path("desk/chats/", include("playerdesk.chat.desk_urls")),
    path("desk/mail/", include("playerdesk.mail.urls")),
    path("desk/triage/", include("playerdesk.triage.urls")),
    path("desk/", include("playerdesk.sla.urls")),  # /desk/admin/sla/, /desk/reports/sla/
    path("desk/", include("playerdesk.console.urls")),
    path("help/chat-demo/", chat_views.demo, name="chat-demo"),
    path("help/service-standards/", sla_views.public_standards, name="sla-standards"),
    path("help/", include("playerdesk.portal.urls")),
    path("chat/", include("playerdesk.chat.urls")),
    path("", include("playerdesk.portal.root_urls")),
]
