"""Live chat in real browsers: the widget on the demo page (a signed-in player and a guest) and an agent
on the console chat screen, served by the ASGI application (WebSockets) under uvicorn."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections
from django.db.utils import ConnectionHandler

from playerdesk.chat.models import Conversation
from playerdesk.tickets.models import Message, MessageKind

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def asgi_site(transactional_db: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """PlayerDesk's ASGI app under uvicorn in a thread, sharing the test database connection (the test
    database may live in memory, as with Django's own live server)."""
    import uvicorn

    shared = connections["default"]
    shared.inc_thread_sharing()
    original = ConnectionHandler.__getitem__

    def getitem(self: ConnectionHandler, alias: str) -> Any:
        return shared if alias == "default" else original(self, alias)

    monkeypatch.setattr(ConnectionHandler, "__getitem__", getitem)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings.SITE_URL = url
    from playerdesk.asgi import application

    server = uvicorn.Server(
        uvicorn.Config(
            application,
            host="127.0.0.1",
            port=port,
            lifespan="off",
            log_level="warning",
            ws_ping_interval=None,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield url
    server.should_exit = True
    thread.join(timeout=10)
    shared.dec_thread_sharing()


def agent_on_chat_screen(browser: Any, site: str) -> Any:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-CA")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{site}/desk/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/desk/(\?.*)?$"))
    page.goto(f"{site}/desk/chats/")
    page.wait_for_selector("#cd-conn:has-text('Connected')")
    return page


def open_widget(browser: Any, url: str, locale: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url)
    page.click(".pd-launcher")
    page.wait_for_selector(".pd-panel")
    return page


def test_player_and_guest_chat_with_an_agent(
    browser: Any, asgi_site: str, make_agent: Any, team: Any
) -> None:
    make_agent("alice", teams=[team], languages=["en", "fr"])
    agent = agent_on_chat_screen(browser, asgi_site)

    # A signed-in player (the operator's token) starts a chat: no name asked, queue position shown.
    player = open_widget(browser, f"{asgi_site}/help/chat-demo/?lang=en&as=player", "en-CA")
    player.wait_for_selector(".pd-who:has-text('Signed in as Camille Roy')")
    assert player.locator("#pd-name").is_hidden()
    player.fill("#pd-first", "Hi, my withdrawal is pending since Monday.")
    player.click(".pd-intro button[type=submit]")
    player.wait_for_selector(".pd-status:has-text('number 1 in line')")
    assert player.locator(".pd-ref").inner_text().startswith("Case PD-")

    # The agent sees it ring as a verified player and accepts.
    agent.wait_for_selector(".cd-offer:has-text('Camille Roy')")
    assert agent.locator(".cd-offer .cd-badge").first.inner_text() == "Verified player"
    agent.click(".cd-offer .cd-accept")
    agent.wait_for_selector(".cd-pane:not([hidden]) .cd-log:has-text('my withdrawal is pending')")
    assert "demo-player-4217" in agent.locator(".cd-pane:not([hidden]) .cd-player").inner_text()
    player.wait_for_selector(".pd-status:has-text('You are chatting with Alice')")

    # Typing, then the answer.
    pane = ".cd-pane:not([hidden])"
    agent.fill(f"{pane} .cd-input", "Let me check")
    player.wait_for_selector(".pd-typing:has-text('is typing')")
    agent.fill(f"{pane} .cd-input", "Hello Camille, your withdrawal was approved today.")
    agent.click(f"{pane} .cd-send")
    player.wait_for_selector(".pd-theirs:has-text('your withdrawal was approved')")
    player.fill("#pd-input", "Great, thank you!")
    player.press("#pd-input", "Enter")
    agent.wait_for_selector(f"{pane} .cd-log:has-text('Great, thank you!')")
    # Read receipt: the agent has the chat open, so the player's message shows as read.
    player.wait_for_selector(".pd-mine.pd-read:has-text('Great, thank you!')")

    # Reload mid-conversation: nothing is lost (a fresh token, the same chat).
    player.reload()
    player.wait_for_selector(".pd-theirs:has-text('your withdrawal was approved')")
    texts = player.locator(".pd-log").inner_text()
    assert "my withdrawal is pending" in texts and "Great, thank you!" in texts
    assert texts.count("Great, thank you!") == 1
    player.fill("#pd-input", "One more question after the reload")
    player.press("#pd-input", "Enter")
    agent.wait_for_selector(f"{pane} .cd-log:has-text('One more question after the reload')")

    # A guest, in French: name and email asked, shown to the agent as not verified.
    guest = open_widget(browser, f"{asgi_site}/help/chat-demo/?lang=fr", "fr-CA")
    guest.fill("#pd-name", "Léa Gagnon")
    guest.fill("#pd-email", "lea@example.ca")
    guest.fill("#pd-first", "Bonjour, mon bonus a disparu.")
    guest.click(".pd-intro button[type=submit]")
    guest.wait_for_selector(".pd-status:has-text('numéro 1')")
    agent.wait_for_selector(".cd-offer:has-text('Léa Gagnon')")
    assert "Guest" in agent.locator(".cd-offer .cd-badge").first.inner_text()
    agent.click(".cd-offer .cd-accept")
    agent.wait_for_selector(".cd-pane:not([hidden]) .cd-log:has-text('mon bonus a disparu')")
    guest_pane = agent.locator(".cd-pane:not([hidden])")
    assert "No account data" in guest_pane.locator(".cd-player").inner_text()
    guest_pane.locator(".cd-input").fill("Bonjour Léa, je regarde cela.")
    guest_pane.locator(".cd-send").click()
    guest.wait_for_selector(".pd-theirs:has-text('je regarde cela')")
    guest.reload()
    guest.wait_for_selector(".pd-theirs:has-text('je regarde cela')")
    assert "mon bonus a disparu" in guest.locator(".pd-log").inner_text()

    # The transcripts are on the cases.
    chats = {c.ticket.requester_name: c for c in Conversation.objects.select_related("ticket")}
    camille = list(
        Message.objects.filter(ticket=chats["Camille Roy"].ticket).values_list("kind", "body_text")
    )
    assert camille == [
        (MessageKind.INBOUND, "Hi, my withdrawal is pending since Monday."),
        (MessageKind.OUTBOUND, "Hello Camille, your withdrawal was approved today."),
        (MessageKind.INBOUND, "Great, thank you!"),
        (MessageKind.INBOUND, "One more question after the reload"),
    ]
    assert chats["Camille Roy"].ticket.player.external_id == "demo-player-4217"
    assert chats["Léa Gagnon"].ticket.player is None and chats["Léa Gagnon"].ticket.language == "fr"
    agent.goto(f"{asgi_site}/desk/t/{chats['Camille Roy'].ticket.reference}/")
    assert agent.locator("text=your withdrawal was approved").count() >= 1
    for page in (agent, player, guest):
        page.context.close()


# A network that refuses WebSocket connections: every socket the page opens goes to a closed port, as
# behind a proxy that drops the upgrade.
BLOCK_WEBSOCKETS = """(() => {
  const Real = window.WebSocket;
  function Blocked() { return new Real("ws://127.0.0.1:9/"); }
  Blocked.prototype = Real.prototype;
  window.WebSocket = Blocked;
})();"""
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_without_websockets_the_widget_long_polls_and_sends_a_screenshot(
    browser: Any, asgi_site: str, make_agent: Any, team: Any
) -> None:
    make_agent("alice", teams=[team], languages=["en", "fr"])
    agent = agent_on_chat_screen(browser, asgi_site)
    context = browser.new_context(viewport={"width": 390, "height": 780}, locale="fr-CA")  # a phone
    context.add_init_script(BLOCK_WEBSOCKETS)
    guest = context.new_page()
    guest.set_default_timeout(15_000)
    long_polls: list[str] = []
    guest.on("request", lambda r: long_polls.append(r.url) if "/chat/lp/" in r.url else None)
    guest.goto(f"{asgi_site}/help/chat-demo/?lang=fr")
    guest.click(".pd-launcher")
    guest.fill("#pd-name", "Marc Tremblay")
    guest.fill("#pd-email", "marc@example.ca")
    guest.fill("#pd-first", "Bonjour, le jeu a figé pendant un tour gratuit.")
    guest.click(".pd-intro button[type=submit]")
    guest.wait_for_selector(".pd-status:has-text('numéro 1')")
    assert any(u.endswith("/chat/lp/send/") for u in long_polls)
    assert any(u.endswith("/chat/lp/poll/") for u in long_polls)

    # The agent (on WebSockets) takes it and answers; the answer reaches the guest by long-polling.
    agent.wait_for_selector(".cd-offer:has-text('Marc Tremblay')")
    agent.click(".cd-offer .cd-accept")
    pane = agent.locator(".cd-pane:not([hidden])")
    pane.locator(".cd-log:has-text('a figé pendant un tour gratuit')").wait_for()
    pane.locator(".cd-input").fill("Bonjour Marc, pouvez-vous m’envoyer une capture d’écran?")
    pane.locator(".cd-send").click()
    guest.wait_for_selector(".pd-theirs:has-text('capture d’écran')")

    # A screenshot goes through the attachment rules onto the case and to the agent.
    guest.set_input_files("#pd-file", files=[{"name": "ecran.png", "mimeType": "image/png", "buffer": PNG}])
    pane.locator(".cd-file:has-text('ecran.png')").wait_for()
    guest.wait_for_selector(".pd-filechip:has-text('ecran.png')")
    conversation = Conversation.objects.select_related("ticket").get(ticket__requester_name="Marc Tremblay")
    attachment = conversation.ticket.attachments.get()
    assert attachment.filename == "ecran.png" and attachment.content_type == "image/png"
    # A file the rules refuse is marked as not sent, with the reason in the guest's language.
    guest.set_input_files("#pd-file", files=[{"name": "vide.txt", "mimeType": "text/plain", "buffer": b""}])
    guest.wait_for_selector(".pd-alert:has-text('Le fichier est vide.')")
    guest.wait_for_selector(".pd-failed")
    assert conversation.ticket.attachments.count() == 1

    # A reload comes back through long-polling with the whole conversation.
    guest.reload()
    guest.wait_for_selector(".pd-theirs:has-text('capture d’écran')")
    log = guest.locator(".pd-log").inner_text()
    assert "a figé pendant un tour gratuit" in log and "ecran.png" in log
    guest.fill("#pd-input", "Voilà, merci!")
    guest.press("#pd-input", "Enter")
    pane.locator(".cd-log:has-text('Voilà, merci!')").wait_for()
    assert guest.locator(".pd-failed:has-text('Voilà')").count() == 0
    for page in (agent, guest):
        page.context.close()
