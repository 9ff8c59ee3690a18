"""Where the widget may be embedded: this site, plus the operator's sites in PLAYERDESK_WIDGET_ORIGINS.

Used for the widget's WebSocket (the browser's Origin header) and the CORS headers of its HTTP endpoints
(script, long-poll, upload). A non-browser client sends no Origin and proves nothing by it; identity is
checked separately (signed token or session key).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from channels.security.websocket import OriginValidator
from django.conf import settings
from django.http.request import split_domain_port, validate_host


def _origin(url: str) -> str:
    parsed = urlparse(url)
    if not parsed.scheme or not parsed.netloc:
        return ""
    return f"{parsed.scheme}://{parsed.netloc}".lower()


def allowed_origins() -> set[str]:
    return {o for o in (_origin(u) for u in [settings.SITE_URL, *settings.WIDGET_ORIGINS]) if o}


def origin_allowed(origin: str | None) -> bool:
    if not origin:
        return False
    origin = origin.lower()
    if "*" in settings.WIDGET_ORIGINS or origin in allowed_origins():
        return True
    # Same site as the desk (the demo page): the host is one this server answers to.
    host = urlparse(origin).netloc
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


class WidgetOriginValidator(OriginValidator):
    """Refuses widget sockets opened by pages of other sites."""

    def __init__(self, application: Any) -> None:
        super().__init__(application, ["*"])

    def valid_origin(self, parsed_origin: Any) -> bool:
        if parsed_origin is None:
            return True
        return origin_allowed(f"{parsed_origin.scheme}://{parsed_origin.netloc}")


def cors_headers(origin: str | None) -> dict[str, str]:
    if not origin or not origin_allowed(origin):
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }
