"""Every URL the project mounts, found from the URL configuration (so new screens are swept too), called
with hostile path segments, query strings and bodies by a stranger, an agent and a service token: never a
server error, never live markup."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from playerdesk.tickets import links
from playerdesk.tickets.models import Ticket
from tests.security.hostile import TEXT, assert_safe_response, form_body

pytestmark = pytest.mark.django_db

CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def _route_param(route: str) -> Any:
    return pytest.param(route, id=route)


ROUTES = sorted({"/" + route.lstrip("^").rstrip("$") for route in walk(get_resolver().url_patterns)})

SEGMENTS = {
    "str": [
        "PD-00000000",
        "pd%7B%7B7*7%7D%7Dpd",
        "%3Cimg%20src=x%20onerror=alert(1)%3E",
        "%00",
        "%FF%FE%ED%A0%80",
        "..",
        "%E2%80%AEfdp.exe",
        "A" * 10_240,
    ],
    "int": ["0", "987654321", "1" + "0" * 30, "9" * 5000],
    "slug": ["unknown-field", "x" * 2000],
    "path": ["..%2F..%2Fetc%2Fpasswd", "a/%00/b"],
    "uuid": ["00000000-0000-0000-0000-000000000000"],
}
# Generated from code, never from input: the API description says "Bearer <token>".
STATIC_JSON = {"/api/v1/openapi.json"}
QUERY = form_body(
    {"q": TEXT["script"], "next": TEXT["attr-breakout"], "cursor": TEXT["nul"], "x": TEXT["template"]}
)
FORM = form_body(
    {
        name: TEXT["script"] if i % 2 else TEXT["invalid-utf8"]
        for i, name in enumerate(
            ["value", "body", "message", "subject", "email", "name", "status", "next", "q"]
        )
    }
)


def urls_for(route: str, real: dict[str, str] | None = None) -> list[str]:
    """The route with hostile segments; first with the real values in ``real`` (by segment name), so the
    hostile query and body reach the view behind the look-up too."""
    names = CONVERTER.findall(route)
    if not names:
        return [route]
    urls = []
    if real and any(name in real for _, name in names):
        url = route
        for conv, name in names:
            value = real.get(name) or SEGMENTS.get(conv or "str", SEGMENTS["str"])[0]
            url = CONVERTER.sub(value, url, count=1)
        urls.append(url)
    for index in range(max(len(SEGMENTS.get(conv or "str", SEGMENTS["str"])) for conv, _ in names)):
        url = route
        for conv, _name in names:
            values = SEGMENTS.get(conv or "str", SEGMENTS["str"])
            url = CONVERTER.sub(values[index % len(values)], url, count=1)
        urls.append(url)
    return urls


def test_the_sweep_sees_every_surface() -> None:
    joined = " ".join(ROUTES)
    for expected in ("/healthz", "/api/v1/", "/desk/", "/desk/t/", "/desk/files/", "/help/case/"):
        assert expected in joined, expected


@pytest.mark.parametrize("route", [_route_param(route) for route in ROUTES])
def test_every_route_survives_hostile_requests(
    route: str, agent: User, service_headers: dict[str, str], own_case: Ticket
) -> None:
    desk = Client()
    desk.force_login(agent)
    callers: list[tuple[str, Client, dict[str, str]]] = [
        ("stranger", Client(), {}),
        ("agent", desk, {}),
        ("service token", Client(), service_headers),
    ]
    real = {"reference": own_case.reference, "token": links.make_token(own_case)}
    static = route in STATIC_JSON
    for url in urls_for(route, real):
        for who, client, headers in callers:
            where = f"{who}: {url[:100]}"
            response = client.get(f"{url}?{QUERY.decode()}", **headers)
            assert_safe_response(response, context=f"GET {where}", json_markup=static)
            response = client.post(url, FORM, content_type="application/x-www-form-urlencoded", **headers)
            assert_safe_response(response, context=f"POST {where}", json_markup=static)
            response = client.post(url, b'{"body": "\xff', content_type="application/json", **headers)
            assert_safe_response(response, context=f"POST JSON {where}", json_markup=static)
