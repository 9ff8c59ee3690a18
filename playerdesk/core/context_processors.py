from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from playerdesk.core.helplines import helplines_for


def playerdesk(request: HttpRequest) -> dict[str, Any]:
    return {
        "DEMO": settings.DEMO,
        "SITE_URL": settings.SITE_URL,
        "BRAND_NAME": settings.BRAND_NAME,
        "SUPPORT_EMAIL": settings.SUPPORT_EMAIL,
        "HELPLINES": helplines_for(),
    }
