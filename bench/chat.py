"""Scenario: live chat at scale, embedded mode (SQLite, in-memory channel layer, one uvicorn process).

    python -m bench.chat                                  # 1,000 conversations (2,000 sockets), 60 s
    python -m bench.chat --conversations 300 --seconds 30
    python -m bench.chat --smoke                          # 50 conversations, 15 s, generous gates

Each conversation is one guest widget socket (``/ws/chat/``) and one agent socket (``/ws/chat/agent/``,
signed in with a session cookie); every agent takes one chat and greets the player. Once all chats are
accepted and greeted, each conversation sends a message every 10 s (player and agent in turn, random
phase). Measured: round trip sender → stored → the other side's socket (p50/p95/p99), messages per
second, and the server's resident memory per idle socket (RSS once all sockets are connected and their
hello answered, minus RSS before, over the socket count; "before" is taken after one pair of sockets was
opened, answered and closed, so that what the server loads once is not counted per socket).
The same traffic runs against two floors on the same uvicorn settings (``bench.chat_baselines``): a bare
ASGI WebSocket relay and the Channels tutorial ``group_send`` chat (neither stores anything).

Everything runs on 127.0.0.1; counts and durations are bounded. The full run rewrites its section of
``bench/RESULTS.md`` (key ``chat:sqlite``); ``--smoke`` writes ``bench/out/chat-smoke.md``.
Exit status: 0 gates pass, 1 a gate failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import env as bench_env

RESULTS = bench_env.BENCH_DIR / "RESULTS.md"
SMOKE_RESULTS = bench_env.OUT_DIR / "chat-smoke.md"
INTERVAL = 10.0
AGENT_PING_SECONDS = 15.0
GREETING = "Hello, this is your agent on chat"
WIDGET_PING_SECONDS = 20.0
SETUP_BATCH = 25
P95_GATE_MS = 250.0
IDLE_GATE_KIB = 30.0
MAX_CONVERSATIONS = 3000
ROOT = bench_env.BENCH_DIR.parent


def log(text: str) -> None:
    print(text, flush=True)


# ---------------------------------------------------------------- setup (runs in a Django subprocess)


def setup_agents(count: int, out: Path) -> None:
    """Migrate a fresh database and create ``count`` online agents with a session each (cookies → out)."""
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from bench.generate import two_step_on
    from playerdesk.core import totp
    from playerdesk.core.models import AgentProfile, AgentStatus

    call_command("migrate", verbosity=0)
    users = User.objects.bulk_create(
        [User(username=f"bench{n:05d}", password="!", is_active=True) for n in range(count)]  # noqa: S106
    )
    users = list(User.objects.filter(username__startswith="bench").order_by("username"))
    AgentProfile.objects.bulk_create(
        [
            AgentProfile(
                user=u,
                display_name=f"Agent {n}",
                languages=["en"],
                status=AgentStatus.ONLINE,
                max_concurrent_chats=1,
            )
            for n, u in enumerate(users)
        ]
    )
    passed = two_step_on(users)
    cookies = []
    for user in users:
        store = SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store[totp.SESSION_KEY] = passed
        store.create()
        cookies.append(store.session_key)
    out.write_text(json.dumps(cookies))


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@contextlib.contextmanager
def server(app: str, env: dict[str, str], logfile: Path) -> Any:
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
           "--lifespan", "off", "--log-level", "warning", "--no-access-log",
           "--ws-ping-interval", "20", "--ws-per-message-deflate", "False", "--no-proxy-headers"]  # fmt: skip
    with logfile.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError):
                    socket.create_connection(("127.0.0.1", port), 0.5).close()
                    break
                if proc.poll() is not None:
                    raise SystemExit(f"server {app} exited; see {logfile}")
                time.sleep(0.2)
            yield port, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


# ---------------------------------------------------------------- clients


@dataclass
class Run:
    name: str
    latencies: list[float] = field(default_factory=list)
    sent: int = 0
    lost: int = 0
    errors: list[str] = field(default_factory=list)
    idle_kib: float | None = None
    setup_seconds: float = 0.0
    seconds: float = 0.0
    sockets: int = 0
    talking: int = 0  # conversations in the steady phase

    def pct(self, q: int) -> float | None:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else None
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


class Pair:
    """Both ends of one conversation; ``send(side)`` stamps a message, the other end records its arrival."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.player: Any = None
        self.agent: Any = None
        self.conv: int | None = None
        self.pending: dict[str, float] = {}
        self.counter = 0
        self.greeted = False

    def arrived(self, body: str) -> None:
        sent = self.pending.pop(body, None)
        if sent is not None:
            self.run.latencies.append((time.perf_counter() - sent) * 1000)

    def stamp(self, prefix: str) -> str:
        self.counter += 1
        body = f"{prefix}{id(self)}-{self.counter}"
        self.pending[body] = time.perf_counter()
        self.run.sent += 1
        return body


CLOSED: dict[str, int] = {}


async def reader(ws: Any, on_frame: Any) -> None:
    with contextlib.suppress(Exception):
        async for raw in ws:
            on_frame(json.loads(raw))
    why = f"{ws.close_code} {ws.close_reason or ''}".strip() if ws.close_code else "reader stopped"
    CLOSED[why] = CLOSED.get(why, 0) + 1


async def steady(pairs: list[Pair], seconds: float, send_player: Any, send_agent: Any) -> None:
    async def loop(pair: Pair) -> None:
        await asyncio.sleep(random.uniform(0, INTERVAL))  # noqa: S311
        turn = 0
        while True:
            try:
                if turn % 2 == 0:
                    await send_player(pair, pair.stamp("p"))
                else:
                    await send_agent(pair, pair.stamp("a"))
            except Exception as exc:
                pair.run.errors.append(f"{type(exc).__name__}: {exc}"[:200])
                return
            turn += 1
            await asyncio.sleep(INTERVAL)

    tasks = [asyncio.create_task(loop(p)) for p in pairs]
    await asyncio.sleep(seconds)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(min(INTERVAL, 5))  # let the last messages land
    for pair in pairs:
        pair.run.lost += len(pair.pending)
        pair.pending.clear()


async def heartbeats(sockets: list[Any], every: float, frame: dict[str, Any]) -> None:
    """Each socket pings once per ``every`` seconds, the sockets spread evenly over the interval."""
    text = json.dumps(frame)
    while True:
        started = time.monotonic()
        for n, ws in enumerate(list(sockets)):
            with contextlib.suppress(Exception):
                await ws.send(text)
            await asyncio.sleep(max(0.0, started + every * (n + 1) / max(1, len(sockets)) - time.monotonic()))


async def in_batches(items: list[Any], size: int, make: Any) -> None:
    for start in range(0, len(items), size):
        await asyncio.gather(*(make(item) for item in items[start : start + size]))


async def run_playerdesk(port: int, pid: int, cookies: list[str], conversations: int, seconds: float) -> Run:
    from websockets.asyncio.client import connect

    run = Run("PlayerDesk chat (stored, acknowledged, case per chat)")
    origin = f"http://127.0.0.1:{port}"
    by_conv: dict[int, Pair] = {}
    agents: list[Any] = []
    players: list[Any] = []
    answered: list[int] = []
    started = time.perf_counter()

    def pair_for(conv: int) -> Pair:
        if conv not in by_conv:
            by_conv[conv] = Pair(run)
            by_conv[conv].conv = conv
        return by_conv[conv]

    async def open_agent(index: int) -> None:
        ws = await connect(
            f"ws://127.0.0.1:{port}/ws/chat/agent/", origin=origin,
            additional_headers={"Cookie": f"sessionid={cookies[index]}"}, max_queue=64,
        )  # fmt: skip
        await ws.send(json.dumps({"type": "hello"}))
        agents.append(ws)

        def on_frame(frame: dict[str, Any]) -> None:
            kind = frame.get("type")
            if kind == "inbox":
                answered.append(1)
            elif kind == "offer":
                asyncio.create_task(ws.send(json.dumps({"type": "accept", "offer": frame["offer"]})))
            elif kind == "entry" and frame.get("from") == "player":
                pair_for(frame["conv"]).arrived(frame.get("body", ""))
            elif kind == "resync":
                pair = pair_for(frame["conv"])
                if not pair.greeted:  # the agent greets the player as they take the chat (again if it
                    # came back to them: the same client id is stored once)
                    greeting = {"type": "msg", "conv": frame["conv"], "cid": f"greeting-{frame['conv']}",
                                "body": f"{GREETING} {frame['conv']}"}  # fmt: skip
                    asyncio.create_task(ws.send(json.dumps(greeting)))
                pair.agent = ws

        asyncio.create_task(reader(ws, on_frame))

    async def open_player(index: int) -> None:
        ws = await connect(f"ws://127.0.0.1:{port}/ws/chat/", origin=origin, max_queue=64)
        await ws.send(json.dumps({"type": "hello", "lang": "en"}))
        players.append(ws)

        def on_frame(frame: dict[str, Any]) -> None:
            kind = frame.get("type")
            if kind == "welcome":
                answered.append(1)
            elif kind == "ack" and frame.get("cid", "").startswith("first-"):
                pair_for(frame["conv"]).player = ws
            elif kind == "entry" and frame.get("from") == "agent":
                if frame.get("body", "").startswith(GREETING):
                    pair_for(frame["conv"]).greeted = True
                else:
                    pair_for(frame["conv"]).arrived(frame.get("body", ""))
            elif kind in ("backlog", "resync") and any(  # stored before the widget joined the live group
                e.get("body", "").startswith(GREETING) for e in frame.get("entries", [])
            ):
                pair_for(frame["conv"]).greeted = True

        asyncio.create_task(reader(ws, on_frame))

    # Warm-up: one agent screen and one widget, answered and closed, so that "before" already holds what
    # the server loads once (modules, the database connection and its cache), not per socket.
    await open_agent(0)
    await open_player(0)
    while len(answered) < 2:
        await asyncio.sleep(0.1)
    for ws in (agents.pop(), players.pop()):
        await ws.close()
    answered.clear()
    await asyncio.sleep(1)
    CLOSED.clear()
    before = rss_kib(pid)
    await in_batches(list(range(conversations)), 100, open_agent)
    await in_batches(list(range(conversations)), 100, open_player)
    # Heartbeats as the real clients send them: the chat screen every 15 s, the widget every 20 s.
    pingers = [
        asyncio.create_task(heartbeats(agents, AGENT_PING_SECONDS, {"type": "ping", "active": True})),
        asyncio.create_task(heartbeats(players, WIDGET_PING_SECONDS, {"type": "ping"})),
    ]
    # Idle means every hello answered (nothing left in flight on the server), then a moment of quiet.
    deadline = time.monotonic() + 300
    while len(answered) < len(agents) + len(players) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(2)
    run.sockets = len(agents) + len(players)
    run.idle_kib = (rss_kib(pid) - before) / max(1, run.sockets)

    # Start the chats: each player writes first; the agent each chat rings for accepts it.
    async def first_message(n: int) -> None:
        await players[n].send(json.dumps(
            {"type": "msg", "cid": f"first-{n}", "body": f"Hello, chat {n}", "name": f"Guest {n}",
             "email": f"guest{n}@example.com"}
        ))  # fmt: skip

    # In batches, each once the previous one is acknowledged: chats start as fast as the server opens
    # them (a case, its triage and clocks, the ringing), without a backlog that would outlast presence.
    started_chats = 0
    for start in range(0, len(players), SETUP_BATCH):
        batch = range(start, min(start + SETUP_BATCH, len(players)))
        await asyncio.gather(*(first_message(n) for n in batch))
        started_chats += len(batch)
        batch_deadline = time.monotonic() + 60
        while (
            time.monotonic() < batch_deadline and sum(1 for p in by_conv.values() if p.player) < started_chats
        ):
            await asyncio.sleep(0.05)
    deadline = time.monotonic() + max(180, conversations * 0.6)
    while time.monotonic() < deadline:
        taken = [p for p in by_conv.values() if p.player and p.agent]
        if sum(1 for p in taken if p.greeted) >= conversations:
            break
        if len(taken) >= conversations:  # every chat taken: greetings get a minute more at most
            deadline = min(deadline, time.monotonic() + 60)
        if CLOSED and sum(CLOSED.values()) > conversations // 10:
            log(f"  giving up the set-up: sockets closed {CLOSED}")
            break
        await asyncio.sleep(0.5)
    ready = [p for p in by_conv.values() if p.player and p.agent and p.greeted]
    run.setup_seconds = time.perf_counter() - started
    log(f"  {len(ready)}/{conversations} chats accepted and greeted in {run.setup_seconds:.1f} s")
    if CLOSED:
        log(f"  sockets closed during the set-up: {CLOSED}")

    async def send_player(pair: Pair, body: str) -> None:
        await pair.player.send(json.dumps({"type": "msg", "cid": body, "body": body}))

    async def send_agent(pair: Pair, body: str) -> None:
        await pair.agent.send(json.dumps({"type": "msg", "conv": pair.conv, "cid": body, "body": body}))

    t0 = time.perf_counter()
    run.talking = len(ready)
    await steady(ready, seconds, send_player, send_agent)
    run.seconds = time.perf_counter() - t0
    for task in pingers:
        task.cancel()
    for ws in agents + players:
        with contextlib.suppress(Exception):
            await ws.close()
    return run


async def run_floor(name: str, port: int, pid: int, conversations: int, seconds: float) -> Run:
    from websockets.asyncio.client import connect

    run = Run(name)
    pairs = [Pair(run) for _ in range(conversations)]
    warm = [await connect(f"ws://127.0.0.1:{port}/room/warm-up/", max_queue=64) for _ in range(2)]
    await warm[0].send(json.dumps({"body": "warm-up"}))
    await warm[1].recv()
    for ws in warm:
        await ws.close()
    await asyncio.sleep(1)
    before = rss_kib(pid)

    async def open_pair(n: int) -> None:
        pair = pairs[n]
        pair.player = await connect(f"ws://127.0.0.1:{port}/room/r{n}/", max_queue=64)
        pair.agent = await connect(f"ws://127.0.0.1:{port}/room/r{n}/", max_queue=64)
        for ws in (pair.player, pair.agent):
            asyncio.create_task(reader(ws, lambda frame, p=pair: p.arrived(frame.get("body", ""))))

    started = time.perf_counter()
    await in_batches(list(range(conversations)), 100, open_pair)
    await asyncio.sleep(3)
    run.setup_seconds = time.perf_counter() - started
    run.sockets = 2 * conversations
    run.idle_kib = (rss_kib(pid) - before) / run.sockets

    async def send_player(pair: Pair, body: str) -> None:
        await pair.player.send(json.dumps({"body": body}))

    async def send_agent(pair: Pair, body: str) -> None:
        await pair.agent.send(json.dumps({"body": body}))

    t0 = time.perf_counter()
    run.talking = len(pairs)
    await steady(pairs, seconds, send_player, send_agent)
    run.seconds = time.perf_counter() - t0
    return run


# ---------------------------------------------------------------- report


def fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def machine() -> str:
    import django
    import uvicorn

    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"cpus (nproc) {os.cpu_count()}, cpu {cpu}, os {platform.platform()}, "
            f"python {platform.python_version()}, django {django.get_version()}, "
            f"uvicorn {uvicorn.__version__}, load average at the end {load}")  # fmt: skip


def report(command: str, conversations: int, seconds: float, runs: list[Run], gates: list[str]) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    lines = [
        "## Scenario: live chat, embedded mode (SQLite, in-memory channel layer, one uvicorn process)",
        "",
        f"Command: `{command}`  ",
        f"Run at {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())} on commit "
        f"`{commit.stdout.strip()}`; {conversations:,} conversations ({2 * conversations:,} sockets: one "
        f"guest widget and one agent each), a message every {INTERVAL:.0f} s per conversation (player and "
        f"agent in turn) for {seconds:.0f} s. Round trip: sender's frame → stored (PlayerDesk) → the other "
        "side's socket, measured by the client in ms. Idle memory: server RSS once every socket is connected "
        "and its hello answered (2 s later), minus before (taken after a warm-up: one pair of sockets "
        "opened, answered and closed), per socket. WebSocket compression and proxy headers are off (as in "
        "`playerdesk web`) for every target. In the set-up each agent takes its chat and greets the player "
        "(the case's first response); the steady phase is the conversation that follows. PlayerDesk "
        "clients also send the real clients' heartbeats "
        f"(chat screen every {AGENT_PING_SECONDS:.0f} s, widget every {WIDGET_PING_SECONDS:.0f} s).",
        "",
        f"Machine: {machine()}. Client and server share the machine.",
        "",
        "| target | sockets | conversations talking | delivered | lost | msg/s | p50 ms | p95 ms | p99 ms "
        "| max ms | idle KiB/socket | setup s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r.name} | {r.sockets:,} | {r.talking:,} | {len(r.latencies):,} | {r.lost:,} | "
            f"{r.rate:.1f} | "
            f"{fmt(statistics.median(r.latencies) if r.latencies else None)} | {fmt(r.pct(95))} | "
            f"{fmt(r.pct(99))} | {fmt(max(r.latencies) if r.latencies else None)} | {fmt(r.idle_kib)} | "
            f"{r.setup_seconds:.1f} |"
        )
    base = runs[0]
    if len(runs) > 1 and base.pct(95):
        lines += ["", "| ratio (PlayerDesk / floor) | p50 | p95 | idle memory |", "|---|---:|---:|---:|"]
        for floor in runs[1:]:
            p50 = (
                statistics.median(base.latencies) / statistics.median(floor.latencies)
                if floor.latencies
                else None
            )
            p95 = (base.pct(95) or 0) / floor.pct(95) if floor.pct(95) else None
            mem = (base.idle_kib or 0) / floor.idle_kib if floor.idle_kib else None
            lines.append(f"| vs {floor.name} | {fmt(p50, 2)}× | {fmt(p95, 2)}× | {fmt(mem, 2)}× |")
    errors = [e for r in runs for e in r.errors[:3]]
    if errors:
        lines += ["", "Client errors (first ones): " + "; ".join(errors)]
    lines += ["", "Gates: " + ("; ".join(gates) if gates else "none")]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["setup"]:
        setup_agents(int(argv[1]), Path(argv[2]))
        return 0
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--no-floors", action="store_true", help="PlayerDesk only")
    options = parser.parse_args(argv)
    if options.smoke:
        options.conversations, options.seconds = 50, 15.0
    conversations = max(1, min(MAX_CONVERSATIONS, options.conversations))
    seconds = max(5.0, min(600.0, options.seconds))
    random.seed(bench_env.SEED)
    label = "smoke" if options.smoke else str(conversations)
    directory = bench_env.OUT_DIR / f"chat-{label}"
    shutil.rmtree(directory, ignore_errors=True)
    (directory / "static").mkdir(parents=True, exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PLAYERDESK_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update({"PLAYERDESK_DATA_DIR": str(directory), "PLAYERDESK_SECRET_KEY": bench_env.SECRET_KEY,
                "PLAYERDESK_LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "playerdesk.settings",
                "PLAYERDESK_CHAT_RATE_PER_PLAYER": "1000",
                # Setting up a thousand chats at once queues the accepts behind the first messages:
                # the ring must outlast the setup (the steady phase is what is measured).
                "PLAYERDESK_CHAT_RING_SECONDS": "900"})  # fmt: skip
    cookies_file = directory / "cookies.json"
    log(f"chat bench: {conversations} conversations, {seconds:.0f} s; setting up {conversations} agents")
    subprocess.run([sys.executable, "-m", "bench.chat", "setup", str(conversations), str(cookies_file)],
                   cwd=ROOT, env=env, check=True)  # fmt: skip
    cookies = json.loads(cookies_file.read_text())
    runs: list[Run] = []
    with server("playerdesk.asgi:application", env, directory / "server.log") as (port, pid):
        runs.append(asyncio.run(run_playerdesk(port, pid, cookies, conversations, seconds)))
    if not options.no_floors:
        with server("bench.chat_baselines:echo_app", env, directory / "echo.log") as (port, pid):
            runs.append(
                asyncio.run(run_floor("bare ASGI WebSocket relay", port, pid, conversations, seconds))
            )
        tutorial_env = {**env, "PLAYERDESK_BENCH_TUTORIAL": "1"}
        with server("bench.chat_baselines:tutorial_app", tutorial_env, directory / "tutorial.log") as (
            port,
            pid,
        ):
            runs.append(
                asyncio.run(run_floor("Channels tutorial group_send chat", port, pid, conversations, seconds))
            )
    ours = runs[0]
    gates = []
    failed = False
    p95 = ours.pct(95)
    p95_gate = P95_GATE_MS * (4 if options.smoke else 1)
    ok = p95 is not None and p95 <= p95_gate and ours.lost == 0 and ours.talking >= conversations
    gates.append(
        f"p95 {fmt(p95)} ms ≤ {p95_gate:.0f} ms, nothing lost, {ours.talking:,} of {conversations:,} "
        f"conversations talking: {'pass' if ok else 'FAIL'}"
    )
    failed |= not ok
    mem_ok = ours.idle_kib is not None and ours.idle_kib <= IDLE_GATE_KIB * (2 if options.smoke else 1)
    gates.append(
        f"idle memory {fmt(ours.idle_kib)} KiB/socket ≤ {IDLE_GATE_KIB:.0f}: {'pass' if mem_ok else 'FAIL'}"
    )
    failed |= not mem_ok
    command = "python -m bench.chat " + " ".join(argv)
    section = report(command.strip(), conversations, seconds, runs, gates)
    log(section)
    if options.smoke:
        SMOKE_RESULTS.parent.mkdir(parents=True, exist_ok=True)
        SMOKE_RESULTS.write_text(section)
    else:
        from bench.run import write_results

        write_results(RESULTS, "chat:sqlite", section)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
