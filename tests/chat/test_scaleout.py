"""Scale-out: two web processes (uvicorn) on the same PostgreSQL and Redis. The player's widget is on one
process, the agent's screen on the other; the conversation crosses between them through Redis."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client

from playerdesk.core.actions import do_set_agent_status
from playerdesk.core.models import AgentStatus

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (os.environ.get("PLAYERDESK_REDIS_URL") and os.environ.get("PLAYERDESK_DATABASE_URL")),
        reason="scale-out runs with PostgreSQL and Redis (PLAYERDESK_DATABASE_URL, PLAYERDESK_REDIS_URL)",
    ),
]
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url() -> str:
    db = django_settings.DATABASES["default"]
    auth = quote(str(db["USER"]))
    if db.get("PASSWORD"):
        auth += ":" + quote(str(db["PASSWORD"]))
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def two_web_processes(transactional_db: Any, tmp_path: Path) -> Iterator[list[int]]:
    env = {
        **os.environ,
        "PLAYERDESK_DEMO": "1",
        "PLAYERDESK_DATABASE_URL": database_url(),
        "PLAYERDESK_DATA_DIR": str(tmp_path),
        "PLAYERDESK_LOG_LEVEL": "WARNING",
        # Their own Redis prefix (channel layer and cache), apart from other test processes.
        "PLAYERDESK_REDIS_PREFIX": f"pdscale{os.getpid()}",
        "DJANGO_SETTINGS_MODULE": "playerdesk.settings",
    }
    ports = [free_port(), free_port()]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "playerdesk.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--lifespan",
                "off",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / f"web-{port}.log", "w"),  # noqa: SIM115
        )
        for port in ports
    ]
    try:
        deadline = time.monotonic() + 40
        for port in ports:
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), 0.5).close()
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                pytest.fail(f"web process on {port} did not start")
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


async def until(ws: Any, frame_type: str, timeout: float = 15, **match: Any) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=max(0.1, end - time.monotonic())))
        if frame.get("type") == frame_type and all(frame.get(k) == v for k, v in match.items()):
            return frame


def test_a_conversation_across_two_web_processes(two_web_processes: list[int], make_agent: Any) -> None:
    from websockets.asyncio.client import connect

    agent: User = make_agent("alice", languages=["en", "fr"])
    do_set_agent_status(agent.agent, AgentStatus.ONLINE)
    client = Client()
    client.force_login(agent)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    agent_port, player_port = two_web_processes

    async def scenario() -> None:
        agent_origin = f"http://127.0.0.1:{agent_port}"
        player_origin = f"http://127.0.0.1:{player_port}"
        async with connect(
            f"ws://127.0.0.1:{agent_port}/ws/chat/agent/",
            origin=agent_origin,
            additional_headers={"Cookie": cookie},
        ) as desk:
            await desk.send(json.dumps({"type": "hello"}))
            await until(desk, "inbox")
            async with connect(f"ws://127.0.0.1:{player_port}/ws/chat/", origin=player_origin) as widget:
                await widget.send(json.dumps({"type": "hello", "lang": "en"}))
                assert (await until(widget, "welcome"))["staffed"] is True
                await widget.send(
                    json.dumps(
                        {
                            "type": "msg",
                            "cid": "x1",
                            "body": "Across processes",
                            "name": "Gus",
                            "email": "g@example.com",
                        }
                    )
                )
                ack = await until(widget, "ack")
                offer = await until(desk, "offer")
                assert offer["conv"] == ack["conv"]
                await desk.send(json.dumps({"type": "accept", "offer": offer["offer"]}))
                resync = await until(desk, "resync")
                assert resync["entries"][0]["body"] == "Across processes"
                await until(widget, "state", state="active")
                await desk.send(json.dumps({"type": "typing", "conv": ack["conv"]}))
                await until(widget, "typing")
                await desk.send(
                    json.dumps({"type": "msg", "conv": ack["conv"], "cid": "y1", "body": "Hello from A"})
                )
                reply = await until(widget, "entry", body="Hello from A")
                assert reply["from"] == "agent"
                await widget.send(json.dumps({"type": "msg", "cid": "x2", "body": "Hello from B"}))
                seen = await until(desk, "entry", body="Hello from B")
                assert seen["seq"] == reply["seq"] + 1

    asyncio.run(scenario())
