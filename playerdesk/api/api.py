"""The REST API at ``/api/v1/``: bearer tokens, JSON everywhere (errors included), OpenAPI at
``/api/v1/openapi.json``. The interactive docs page is off (it loads scripts from a CDN, which the
content security policy forbids); docs/api.md is the guide."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI, Router
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer

from playerdesk.api.auth import BearerAuth, TokenRateLimit
from playerdesk.api.players import router as players_router
from playerdesk.api.views import router as tickets_router
from playerdesk.core.errors import ActionError
from playerdesk.core.text import clean_text

log = logging.getLogger(__name__)

MAX_JSON_DEPTH = 20


class BadBody(ValueError):
    """A request body that is not a JSON object in UTF-8; the message says what is wrong."""


def _check_strings(value: Any, depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise BadBody("The JSON document is nested too deeply.")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise BadBody("The request body contains an invalid Unicode escape (a lone surrogate).") from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key, depth + 1)
            _check_strings(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item, depth + 1)


class StrictJSONParser(Parser):
    """JSON bodies only: UTF-8, an object at the top, no lone surrogates; query values cleaned of
    control characters (NUL cannot reach the database)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        raw = request.body
        if len(raw) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise RequestDataTooBig()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadBody("The request body is not valid UTF-8.") from exc
        try:
            data = json.loads(text)
        except RecursionError as exc:
            raise BadBody("The JSON document is nested too deeply.") from exc
        except ValueError as exc:
            raise BadBody(f"The request body is not valid JSON ({exc}).") from exc
        if not isinstance(data, dict):
            raise BadBody("The request body must be a JSON object.")
        _check_strings(data)
        return data

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        parsed = super().parse_querydict(data, list_fields, request)
        return {
            key: [clean_text(v) for v in value] if isinstance(value, list) else clean_text(value)
            for key, value in parsed.items()
        }


class SafeJSONRenderer(JSONRenderer):
    """JSON with ``<``, ``>`` and ``&`` escaped (``\\u003c``…): the same data once parsed, and never
    markup to a client that mis-sniffs the response."""

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> Any:
        text = cast(str, super().render(request, data, response_status=response_status))
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def json_method_not_allowed(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Turn django-ninja's plain-text 405 into a JSON error like every other one."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = error(request, 405, f"Method {request.method} is not allowed here; use {allowed}.")
            response["Allow"] = allowed
        return response

    return wrapper


class PlayerDeskAPI(NinjaAPI):
    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = json_method_not_allowed(pattern.callback)
        return patterns, app_name, namespace


api = PlayerDeskAPI(
    title="PlayerDesk API",
    version="1",
    description="Cases of the PlayerDesk player-support desk. Authenticate with 'Authorization: Bearer "
    "<token>'; see docs/api.md.",
    urls_namespace="api",
    docs_url=None,
    auth=BearerAuth(),
    throttle=TokenRateLimit(),
    parser=StrictJSONParser(),
    renderer=SafeJSONRenderer(),
)
api.add_router("/", tickets_router)
api.add_router("/", players_router)  # operator connector: /players…, /tickets/{reference}/player


def error(request: HttpRequest, status: int, detail: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, **extra}, status=status)


def too_big() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return f"The request body is too large (at most {limit:,} bytes)."


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    assert isinstance(exc, HttpError)
    cause = exc.__cause__
    if isinstance(cause, RequestDataTooBig):
        return error(request, 413, too_big())
    detail = str(cause) if isinstance(cause, BadBody) else str(exc)
    response = error(request, exc.status_code, detail)
    if exc.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="playerdesk"'
    return response


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(request, 413, too_big())


def _field_error(item: dict[str, Any]) -> dict[str, Any]:
    loc = [str(part) for part in item.get("loc", ())]
    source = loc[0] if loc else "body"
    path = loc[2:] if source == "body" else loc[1:]
    return {"field": ".".join(path) or None, "location": source, "message": str(item.get("msg", "invalid"))}


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    assert isinstance(exc, ValidationError)
    errors = [_field_error(item) for item in exc.errors]
    if any(e["field"] is None and e["location"] == "body" for e in errors):
        return error(request, 400, "A JSON object body is required.", errors=errors)
    summary = "; ".join(f"{e['field'] or e['location']}: {e['message']}" for e in errors[:5])
    return error(request, 422, f"Invalid request: {summary}.", errors=errors)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(request, 404, str(exc) or "Not found.")


@api.exception_handler(ActionError)
def on_action_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error(request, 400, str(exc))


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("API request %s %s failed", request.method, request.path)
    return error(request, 500, "Internal error: the request was not completed. Try again later.")


# Mounted last, so it only answers paths no endpoint matched: a JSON 404 rather than an HTML page.
fallback = Router()


@fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:path}", auth=None, include_in_schema=False
)
def unknown_endpoint(request: HttpRequest, path: str) -> HttpResponse:
    return error(
        request,
        404,
        f"No such endpoint: {request.method} {request.path}. The API is described at /api/v1/openapi.json.",
    )


api.add_router("/", fallback)
