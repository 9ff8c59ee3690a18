"""The widget's HTTP side: its script and stylesheet (embeddable from the operator's sites), the
long-poll transport for networks that block WebSockets, file upload, and the widget demo page."""

from __future__ import annotations

import asyncio
import json
from functools import lru_cache
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from playerdesk.chat import actions, frames, identity, stream
from playerdesk.chat.origins import cors_headers
from playerdesk.chat.protocol import PlayerProtocol, error
from playerdesk.chat.stream import ChatError

MAX_LP_BODY = 64 * 1024
MAX_LP_FRAMES = 20
POLL_SECONDS = 25.0


@lru_cache(maxsize=4)
def _asset(name: str) -> bytes:
    path = finders.find(f"chat/{name}")
    if not path:
        raise FileNotFoundError(name)
    with open(path, "rb") as fh:  # noqa: PTH123
        return fh.read()


def _serve_asset(name: str, content_type: str) -> HttpResponse:
    data = _asset(name) if not settings.DEBUG else _asset.__wrapped__(name)
    response = HttpResponse(data, content_type=content_type)
    # Loaded by the operator's pages: any site may fetch it (it carries no secret).
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def widget_js(request: HttpRequest) -> HttpResponse:
    return _serve_asset("widget.js", "application/javascript; charset=utf-8")


@require_GET
def widget_css(request: HttpRequest) -> HttpResponse:
    return _serve_asset("widget.css", "text/css; charset=utf-8")


# ---------------------------------------------------------------- long-poll


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_LP_BODY:
        return None
    try:
        data = json.loads(request.body[: MAX_LP_BODY + 1] or b"{}")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _cors(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    for name, value in cors_headers(request.headers.get("Origin")).items():
        response[name] = value
    return response


def _preflight(request: HttpRequest) -> HttpResponseBase:
    return _cors(request, HttpResponse(status=204))


def _protocol_for(data: dict[str, Any]) -> PlayerProtocol:
    protocol = PlayerProtocol(track_connection=False)
    protocol.language = stream.language_of(data.get("lang"))
    protocol.session = identity.session_for_key(data.get("key")) if data.get("key") else None
    if protocol.session is not None:
        conversation = actions.live_conversation(protocol.session)
        if conversation is not None:
            protocol.conversation_id = conversation.pk
            protocol.sent_seq = conversation.last_seq
    return protocol


@csrf_exempt
def lp_send(request: HttpRequest) -> HttpResponseBase:
    """Frames from a widget without WebSocket: the same frames, answered in the response."""
    if request.method == "OPTIONS":
        return _preflight(request)
    if request.method != "POST":
        return _cors(request, JsonResponse(error("method", "POST frames here."), status=405))
    data = _json_body(request)
    if data is None or not isinstance(data.get("frames"), list) or len(data["frames"]) > MAX_LP_FRAMES:
        return _cors(request, JsonResponse(error("bad_frame", "Send {frames: [...]}."), status=400))
    protocol = _protocol_for(data)
    replies: list[dict[str, Any]] = []
    for frame in data["frames"]:
        if not isinstance(frame, dict):
            with translation.override(protocol.language):
                replies.append(
                    error("bad_frame", translation.gettext("A frame is a JSON object with a type."))
                )
            continue
        replies += protocol.handle(frame)
    return _cors(request, JsonResponse({"frames": replies}))


def _poll_state(data: dict[str, Any]) -> tuple[int | None, list[dict[str, Any]]]:
    protocol = _protocol_for(data)
    if protocol.session is None:
        with translation.override(protocol.language):
            return None, [error("no_session", translation.gettext("Say hello first."), fatal=True)]
    conversation = protocol.conversation()
    if conversation is None:
        return None, []
    actions.touch_player(conversation)
    after = data.get("after")
    if type(after) is int and after >= conversation.last_seq:
        return conversation.pk, []
    return conversation.pk, protocol.backlog(conversation, after)


@csrf_exempt
async def lp_poll(request: HttpRequest) -> HttpResponseBase:
    """Wait (up to ``POLL_SECONDS``) for what happened after ``after`` in the widget's conversation."""
    if request.method == "OPTIONS":
        return _preflight(request)
    if request.method != "POST":
        return _cors(request, JsonResponse(error("method", "POST here."), status=405))
    data = _json_body(request)
    if data is None:
        return _cors(request, JsonResponse(error("bad_frame", "Send a JSON object."), status=400))
    conversation_id, found = await sync_to_async(_poll_state)(data)
    if found or conversation_id is None:
        return _cors(request, JsonResponse({"frames": found, "idle": conversation_id is None}))
    layer = get_channel_layer()
    channel = await layer.new_channel()
    group = frames.player_group(conversation_id)
    await layer.group_add(group, channel)
    pushed: list[dict[str, Any]] = []
    try:
        # Re-check after joining, so nothing stored in between is missed.
        _, found = await sync_to_async(_poll_state)(data)
        if not found:
            try:
                message = await asyncio.wait_for(layer.receive(channel), timeout=POLL_SECONDS)
                if message.get("frame", {}).get("type") != "entry":
                    pushed.append(message["frame"])
            except TimeoutError:
                pass
            _, found = await sync_to_async(_poll_state)(data)
    finally:
        await layer.group_discard(group, channel)
    return _cors(request, JsonResponse({"frames": found + pushed}))


@csrf_exempt
def upload(request: HttpRequest) -> HttpResponseBase:
    """A file or screenshot from the widget (multipart: key, cid, file). Attachment rules apply."""
    if request.method == "OPTIONS":
        return _preflight(request)
    if request.method != "POST":
        return _cors(request, JsonResponse(error("method", "POST a file here."), status=405))
    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.MAX_ATTACHMENT_BYTES + 64 * 1024:
        return _cors(request, JsonResponse(error("too_large", _too_large()), status=413))
    try:
        post, files = request.POST, request.FILES
    except Exception:  # malformed multipart or too many fields
        message = translation.gettext("This upload could not be read.")
        return _cors(request, JsonResponse(error("bad_upload", message), status=400))
    # Answers follow the widget's language (sent with the file), as its frames do.
    with translation.override(stream.language_of(post.get("lang") or translation.get_language())):
        return _cors(request, _store_upload(post, files))


def _store_upload(post: Any, files: Any) -> JsonResponse:
    session = identity.session_for_key(post.get("key"))
    if session is None:
        return JsonResponse(error("no_session", translation.gettext("Start the chat first.")), status=401)
    upload_file = files.get("file")
    if upload_file is None:
        return JsonResponse(error("bad_upload", translation.gettext("Choose a file.")), status=400)
    if upload_file.size and upload_file.size > settings.MAX_ATTACHMENT_BYTES:
        return JsonResponse(error("too_large", _too_large()), status=413)
    try:
        conversation, entry, _ = actions.do_add_player_file(
            session, cid=post.get("cid", ""), filename=upload_file.name or "file", data=upload_file.read()
        )
    except ChatError as exc:
        return JsonResponse(error(exc.code, exc.message), status=400)
    return JsonResponse({"type": "ack", "cid": entry.client_id, "seq": entry.seq, "conv": conversation.pk})


def _too_large() -> str:
    return translation.gettext("The file is too large (at most %(mb)s MB).") % {
        "mb": settings.MAX_ATTACHMENT_BYTES // (1024 * 1024)
    }


# ---------------------------------------------------------------- the demo page


DEMO_PLAYER = {
    "external_id": "demo-player-4217",
    "email": "camille.roy@example.ca",
    "first_name": "Camille",
    "last_name": "Roy",
}


def demo_tokens_allowed() -> bool:
    return bool(settings.DEMO or settings.TESTING)


@require_GET
def demo(request: HttpRequest) -> HttpResponse:
    """A fake casino page embedding the widget, as a visitor or as a signed-in demo player."""
    language = request.GET.get("lang")
    if language in ("en", "fr"):
        translation.activate(language)
        request.LANGUAGE_CODE = language
    lang = "fr" if (translation.get_language() or "en").startswith("fr") else "en"
    signed_in = request.GET.get("as") == "player" and demo_tokens_allowed()
    token = ""
    if signed_in:
        token = identity.sign_player_token(
            DEMO_PLAYER["external_id"],
            email=DEMO_PLAYER["email"],
            first_name=DEMO_PLAYER["first_name"],
            last_name=DEMO_PLAYER["last_name"],
            locale=lang,
        )
    return render(
        request,
        "chat/demo.html",
        {
            "lang": lang,
            "token": token,
            "signed_in": signed_in,
            "player": DEMO_PLAYER,
            "can_sign_in": demo_tokens_allowed(),
        },
    )
