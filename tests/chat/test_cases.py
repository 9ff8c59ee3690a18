"""A chat is a case: the answer reaches a player who left by email, the transcript by email, files, the
long-poll transport, and the widget's HTTP side (script, demo page, console screen, origins)."""

from __future__ import annotations

import asyncio
import gc
import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from playerdesk.chat import actions, identity, routing
from playerdesk.chat.models import ChatEntry, Conversation
from playerdesk.chat.origins import origin_allowed
from playerdesk.core import events
from playerdesk.core.models import Role
from playerdesk.mail.models import OutboundEmail
from playerdesk.tickets import actions as tickets
from playerdesk.tickets.models import Attachment, Message

pytestmark = pytest.mark.django_db(transaction=True)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def started(online_agent: Callable[..., User]) -> tuple[Conversation, User, str]:
    agent = online_agent("ann")
    routing.seat_connect(agent.agent)
    session, key = identity.guest_session("Gus Grant", "gus@example.com", "en")
    conversation, _, _ = actions.do_player_message(session, cid="c1", body="My bonus disappeared")
    offer = conversation.offers.get(state="ringing")
    routing.do_accept(agent, offer.pk)
    return Conversation.objects.select_related("ticket").get(pk=conversation.pk), agent, key


def test_a_player_who_left_gets_the_answer_by_email(
    online_agent: Callable[..., User], django_capture_on_commit_callbacks: Any
) -> None:
    conversation, agent, _ = started(online_agent)
    assert not actions.player_is_live(conversation)  # no widget connected any more
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_agent_message(conversation, agent, cid="a1", body="Your bonus is back.")
    email = OutboundEmail.objects.get(ticket=conversation.ticket, kind="reply")
    assert email.to == "gus@example.com" and "Your bonus is back." in email.body_text
    assert conversation.ticket.reference in email.subject
    # The answer is also in the conversation, for when the player comes back.
    assert ChatEntry.objects.filter(conversation=conversation, body="Your bonus is back.").count() == 1


def test_a_player_still_in_the_chat_gets_no_email(online_agent: Callable[..., User]) -> None:
    conversation, agent, _ = started(online_agent)
    actions.touch_player(conversation, connected=1)
    actions.do_agent_message(conversation, agent, cid="a1", body="Checking now.")
    assert not OutboundEmail.objects.filter(ticket=conversation.ticket, kind="reply").exists()


def test_transcript_by_email_in_the_case_language(online_agent: Callable[..., User]) -> None:
    conversation, agent, _ = started(online_agent)
    actions.do_agent_message(conversation, agent, cid="a1", body="Anything else?")
    actions.do_whisper(conversation, agent, cid="w1", body="internal only")
    actions.do_end(conversation, by="player")
    actions.do_request_transcript(conversation)
    email = OutboundEmail.objects.get(ticket=conversation.ticket, kind="chat_transcript")
    assert "My bonus disappeared" in email.body_text and "Anything else?" in email.body_text
    assert "internal only" not in email.body_text and "internal only" not in email.body_html
    # The transcript stays on the case.
    bodies = list(Message.objects.filter(ticket=conversation.ticket).values_list("body_text", flat=True))
    assert bodies == ["My bonus disappeared", "Anything else?", "internal only"]


def test_file_upload_goes_through_the_attachment_rules(online_agent: Callable[..., User]) -> None:
    conversation, _, key = started(online_agent)
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    response = client.post(
        "/chat/upload/",
        {"key": key, "cid": "f1", "file": SimpleUploadedFile("screen.png", PNG)},
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 200, response.content
    attachment = Attachment.objects.get(ticket=conversation.ticket)
    assert attachment.content_type == "image/png" and attachment.message is not None
    entry = ChatEntry.objects.get(conversation=conversation, client_id="f1")
    assert entry.data["files"][0]["name"] == "screen.png"
    assert client.post("/chat/upload/", {"key": "nope" * 10, "cid": "f2"}).status_code == 401
    empty = client.post("/chat/upload/", {"key": key, "cid": "f3", "file": SimpleUploadedFile("e.txt", b"")})
    assert empty.status_code == 400 and "empty" in empty.json()["message"]
    # The answers follow the widget's language.
    french = client.post("/chat/upload/", {"key": key, "lang": "fr", "cid": "f4"})
    assert french.status_code == 400 and french.json()["message"] == "Choisissez un fichier."
    stranger = client.post("/chat/upload/", {"key": "nope" * 10, "lang": "fr", "cid": "f5"})
    assert stranger.json()["message"] == "Commencez d’abord la conversation."
    hostile = client.post("/chat/upload/", {"key": key, "lang": "<script>", "cid": "f6"})
    assert hostile.json()["message"] == "Choose a file."


def post_json(client: Client, path: str, payload: Any, **extra: Any) -> Any:
    return client.post(path, data=json.dumps(payload), content_type="application/json", **extra)


def test_long_poll_transport_speaks_the_same_frames(online_agent: Callable[..., User]) -> None:
    agent = online_agent("ann")
    routing.seat_connect(agent.agent)
    client = Client()
    origin = {"HTTP_ORIGIN": "https://casino.example"}
    reply = post_json(
        client, "/chat/lp/send/", {"lang": "fr", "frames": [{"type": "hello"}]}, **origin
    ).json()
    assert reply["frames"][0]["type"] == "welcome" and reply["frames"][0]["staffed"] is True
    reply = post_json(
        client,
        "/chat/lp/send/",
        {
            "frames": [
                {"type": "msg", "cid": "lp1", "body": "Bonjour", "name": "Léa", "email": "lea@example.ca"}
            ]
        },
    ).json()
    key = reply["frames"][0]["key"]
    ack = reply["frames"][1]
    assert ack["type"] == "ack" and ack["seq"] == 1
    # Resent: acknowledged again, stored once.
    again = post_json(
        client, "/chat/lp/send/", {"key": key, "frames": [{"type": "msg", "cid": "lp1", "body": "Bonjour"}]}
    )
    assert again.json()["frames"][0]["seq"] == 1
    conversation = Conversation.objects.get(pk=ack["conv"])
    routing.do_accept(agent, conversation.offers.get(state="ringing").pk)
    actions.do_agent_message(conversation, agent, cid="a1", body="Bonjour Léa!")
    polled = post_json(client, "/chat/lp/poll/", {"key": key, "after": 1}).json()
    bodies = [e["body"] for f in polled["frames"] for e in f.get("entries", [])]
    assert "Bonjour Léa!" in bodies
    lost = post_json(client, "/chat/lp/poll/", {"key": "x" * 40, "lang": "fr", "after": 0}).json()["frames"][
        0
    ]
    assert lost["code"] == "no_session" and lost["message"] == "Commencez par dire bonjour."
    assert client.post("/chat/lp/send/", data="{bad", content_type="application/json").status_code == 400
    assert client.get("/chat/lp/send/").status_code == 405


def test_cors_and_origins(settings: Any) -> None:
    settings.WIDGET_ORIGINS = ["https://casino.example"]
    client = Client()
    script = client.get("/chat/widget.js")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert (
        script["Access-Control-Allow-Origin"] == "*"
        and script["Cross-Origin-Resource-Policy"] == "cross-origin"
    )
    assert client.get("/chat/widget.css").status_code == 200
    preflight = client.options("/chat/lp/send/", HTTP_ORIGIN="https://casino.example")
    assert (
        preflight.status_code == 204 and preflight["Access-Control-Allow-Origin"] == "https://casino.example"
    )
    other = client.options("/chat/lp/send/", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other
    assert origin_allowed("https://casino.example") and origin_allowed("http://127.0.0.1:8000")
    assert not origin_allowed("https://evil.example") and not origin_allowed(None)


def test_demo_page_in_english_and_french() -> None:
    client = Client()
    en = client.get("/help/chat-demo/?lang=en")
    assert en.status_code == 200 and b'lang="en"' in en.content and b"/chat/widget.js" in en.content
    assert b"data-token" not in en.content
    fr = client.get("/help/chat-demo/?lang=fr&as=player")
    html = fr.content.decode()
    assert 'lang="fr"' in html and "Jouer prudemment" in html and 'data-token="' in html
    token = html.split('data-token="')[1].split('"')[0]
    assert identity.check_token(token).external_id == "demo-player-4217"
    assert "<script>" not in html and "style=" not in html


def test_console_chat_screen(agent_client: Client, client: Client) -> None:
    page = agent_client.get("/desk/chats/")
    assert page.status_code == 200 and b'data-ws-path="/ws/chat/agent/"' in page.content
    assert b"cd-labels" in page.content
    assert client.get("/desk/chats/").status_code == 302


def test_offline_message_from_a_signed_in_player_is_linked(player: Any) -> None:
    session, _ = identity.player_session(identity.sign_player_token("P-1001", email=player.email), None, "fr")
    ticket = actions.do_offline_message(
        name="", email="", body="Rappelez-moi", language="fr", session=session
    )
    assert ticket.player_id == player.pk and ticket.channel == "email" and ticket.language == "fr"


def test_a_reply_on_a_closed_chat_case_opens_no_stranded_chat(online_agent: Callable[..., User]) -> None:
    conversation, agent, _ = started(online_agent)
    actions.do_end(conversation, by="agent", user=agent)
    tickets.do_change_status(conversation.ticket, "solved", actor=agent)
    message = tickets.do_reply(conversation.ticket, author=agent, body="One more thing", force=True)
    assert OutboundEmail.objects.filter(ticket=conversation.ticket, kind="reply").exists()
    assert message.body_text == "One more thing"


def test_service_standards_update_reaches_a_player_in_the_chat_else_email(
    online_agent: Callable[..., User],
) -> None:
    from django.conf import settings
    from django.db import transaction

    from playerdesk.sla.models import PlayerUpdate
    from playerdesk.sla.updates import render_update, send_update
    from playerdesk.tickets.actions import lock_case, save_case

    conversation, _, _ = started(online_agent)
    actions.touch_player(conversation, connected=1)

    def update() -> PlayerUpdate:
        with transaction.atomic():
            ticket = lock_case(conversation.ticket_id)
            sent = send_update(ticket, None, "overdue")
            save_case(ticket)
        return sent

    in_chat = update()
    assert in_chat.sent and in_chat.channel == "chat"
    entry = ChatEntry.objects.filter(conversation=conversation, sender="system", kind="message").get()
    assert entry.body == render_update("overdue", conversation.ticket)[1]
    assert entry.author_name == settings.BRAND_NAME
    assert not OutboundEmail.objects.filter(ticket=conversation.ticket, kind="sla_update").exists()

    # The player left: the next update (after the minimum interval) goes by email instead.
    actions.touch_player(conversation, connected=-1)
    PlayerUpdate.objects.all().delete()
    by_email = update()
    assert by_email.sent and by_email.channel == "email"
    assert OutboundEmail.objects.filter(ticket=conversation.ticket, kind="sla_update").count() == 1
    assert ChatEntry.objects.filter(conversation=conversation, sender="system", kind="message").count() == 1


def test_turns_of_a_live_chat_leave_the_next_response_clock_to_the_end_of_the_chat(
    online_agent: Callable[..., User],
) -> None:
    from playerdesk.sla.models import Clock
    from playerdesk.tickets.models import SearchEntry

    conversation, agent, key = started(online_agent)
    session = identity.session_for_key(key)
    assert session is not None
    ticket = conversation.ticket
    actions.do_agent_message(conversation, agent, cid="a1", body="Hello, I am looking at it.")
    first = Clock.objects.get(ticket=ticket, target="first_response")
    assert first.state == "met"  # the first answer in the chat is the first response
    ticket.refresh_from_db()
    assert ticket.status == "open"  # a live chat stays open while it lasts

    for n in range(3):  # the conversation goes on: no next-response clock per turn
        actions.do_player_message(session, cid=f"p{n}", body=f"Question {n} about the wagering")
        actions.do_agent_message(conversation, agent, cid=f"a{n + 2}", body=f"Answer {n}")
    actions.do_player_message(session, cid="last", body="One more thing: the zebra promotion?")
    assert not Clock.objects.filter(ticket=ticket, target="next_response").exists()
    ticket.refresh_from_db()
    assert ticket.message_count == 9

    # The chat ends on the player's question: the desk owes an answer from that message on, and the whole
    # conversation is searchable.
    actions.do_end(Conversation.objects.get(pk=conversation.pk), by="agent", user=agent)
    waiting = Clock.objects.get(ticket=ticket, target="next_response")
    last = Message.objects.filter(ticket=ticket).order_by("-id").first()
    assert last is not None
    assert waiting.state == "running" and waiting.started_at == last.created_at
    assert "zebra" in SearchEntry.objects.get(ticket=ticket).document


def test_a_live_chat_refreshes_its_search_document_every_few_turns(online_agent: Callable[..., User]) -> None:
    from playerdesk.tickets.models import SearchEntry

    conversation, agent, key = started(online_agent)
    session = identity.session_for_key(key)
    assert session is not None
    for n in range(tickets.LIVE_CHAT_INDEX_EVERY):
        actions.do_player_message(session, cid=f"p{n}", body=f"word{n}x")
    assert "word0x" in SearchEntry.objects.get(ticket=conversation.ticket).document


def test_chat_turns_leave_no_reference_cycles(online_agent: Callable[..., User]) -> None:
    """A chat turn's objects are freed as soon as it is done: none waits for the cycle collector (whose
    full collections, with thousands of sockets open, hold every frame of the server). As in the server,
    the turns' pushes are handed to a running event loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(_attach(), loop).result(timeout=5)
        _turns_leave_no_cycles(online_agent, loop)
    finally:
        asyncio.run_coroutine_threadsafe(_cancel_tasks(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()


async def _attach() -> None:
    events.attach_loop()


async def _cancel_tasks() -> None:
    """The pusher's task ends with its loop (as when the web process stops)."""
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)


def _turns_leave_no_cycles(online_agent: Callable[..., User], loop: asyncio.AbstractEventLoop) -> None:
    conversation, agent, _key = started(online_agent)
    actions.touch_player(conversation, connected=1)  # the player's widget is open: answers are not emailed
    session = conversation.session
    turn = Conversation(pk=conversation.pk, ticket_id=conversation.ticket_id)
    actions.do_agent_message(turn, agent, cid="warm-a", body="Hello")
    actions.do_player_message(session, cid="warm-p", body="Hi")
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for n in range(10):
            actions.do_player_message(session, cid=f"p{n}", body=f"Question {n}")
            actions.do_agent_message(turn, agent, cid=f"a{n}", body=f"Answer {n}")
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0.2), loop).result(timeout=5)  # pushes delivered
        gc.collect()
        left = [type(o).__name__ for o in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == []
    assert ChatEntry.objects.filter(conversation=conversation, client_id__in=["p9", "a9"]).count() == 2


def test_the_case_page_shows_where_the_live_chat_stands(
    online_agent: Callable[..., User], make_agent: Callable[..., User], make_ticket: Callable[..., Any]
) -> None:
    session, _ = identity.guest_session("Gus Grant", "gus@example.com", "en")
    waiting, _, _ = actions.do_player_message(session, cid="c1", body="My bonus disappeared")
    supervisor = make_agent("sam", role=Role.SUPERVISOR)
    desk = Client()
    desk.force_login(supervisor)
    case_url = f"/desk/t/{waiting.ticket.reference}/"
    page = desk.get(case_url).content.decode()
    assert "Live chat waiting in the queue since" in page and "The player left the chat" in page
    assert f"/desk/chats/?watch={waiting.pk}" in page  # a supervisor may watch it

    conversation, agent, _ = started(online_agent)
    actions.touch_player(conversation, connected=1)
    mine = Client()
    mine.force_login(agent)
    page = mine.get(f"/desk/t/{conversation.ticket.reference}/").content.decode()
    assert "Live chat with Ann" in page and "The player is in the chat" in page
    assert 'href="/desk/chats/">Open on the chat screen' in page and "?watch=" not in page
    french = mine.get(f"/desk/t/{conversation.ticket.reference}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Clavardage en direct avec Ann" in french

    actions.do_end(conversation, by="agent", user=agent)
    page = mine.get(f"/desk/t/{conversation.ticket.reference}/").content.decode()
    assert "Live chat ended" in page and "Open on the chat screen" not in page

    # Other cases read nothing of chats.
    email_case = make_ticket(channel="email")
    with CaptureQueriesContext(connection) as queries:
        assert 'class="chat-case"' not in mine.get(f"/desk/t/{email_case.reference}/").content.decode()
    assert not any("chat_conversation" in q["sql"] for q in queries.captured_queries)
