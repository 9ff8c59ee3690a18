"""Demo data: teams, agents with demo logins, players and realistic cases in English and French.

Everything is written through the actions (the same code paths as the console, the portal and the API),
with the clock set to the moment each step happened so timelines read like real ones. Loading is
idempotent and resumable: the ``demo`` counter row holds how many cases are loaded, so running the
loader again adds nothing (or finishes an interrupted load). Demo data exists only in demo mode.
"""

from __future__ import annotations

import random
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from playerdesk.accounthelp.demo import ensure_macro_policies
from playerdesk.console.demo_content import (
    AMOUNTS,
    BONUSES_EN,
    BONUSES_FR,
    EMAIL_DOMAINS,
    FIRST_NAMES_EN,
    FIRST_NAMES_FR,
    GAMES,
    LAST_NAMES_EN,
    LAST_NAMES_FR,
    MACROS,
    METHODS_EN,
    METHODS_FR,
    PROVINCE_WEIGHTS,
    TOPICS,
    WEEKDAYS_EN,
    WEEKDAYS_FR,
    Topic,
)
from playerdesk.core import clock, events
from playerdesk.core.models import Counter, Role, Team
from playerdesk.core.staff import do_create_agent, do_create_team
from playerdesk.intake.actions import do_intake
from playerdesk.intake.contact import Contact, Overrides
from playerdesk.mail import actions as mail_actions
from playerdesk.players.actions import do_create_player
from playerdesk.players.demo import load_demo_accounts
from playerdesk.players.models import Player
from playerdesk.sla import actions as sla_actions
from playerdesk.tickets import actions
from playerdesk.tickets.models import Macro, Status, Ticket
from playerdesk.triage import demo as triage_demo

DEMO_PASSWORD = "playerdesk-demo"  # noqa: S105 - the documented demo login, refused outside demo mode
MARKER = "demo"
DEFAULT_CASES = 1000
DEFAULT_PLAYERS = 200
SEED = 2026
SPREAD = timedelta(days=30)

TEAMS = [
    ("account", "Account", "Logins, passwords, two-factor, account settings and locks.", ["account"]),
    ("payments", "Payments", "Deposits, withdrawals and payment providers.", ["payments"]),
    ("verification", "Verification", "Identity and address checks (KYC).", ["kyc"]),
    ("technical", "Technical", "Game rounds, apps and website problems.", ["technical"]),
    ("responsible-gambling", "Responsible gambling", "Limits, self-exclusion, player protection.", ["rg"]),
    ("general", "General", "Questions, promotions and bonuses.", ["general", "bonus"]),
]


@dataclass(frozen=True)
class DemoAgent:
    username: str
    display_name: str
    role: str
    languages: tuple[str, ...]
    teams: tuple[str, ...]
    about: str


AGENTS = [
    DemoAgent("alice", "Alice Martin", Role.AGENT, ("en",), ("payments", "general"), "agent, EN, payments"),
    DemoAgent(
        "benoit", "Benoît Gagnon", Role.AGENT, ("fr", "en"), ("verification",), "agent, FR/EN, verification"
    ),
    DemoAgent("chloe", "Chloé Roy", Role.AGENT, ("fr",), ("account", "general"), "agent, FR, account"),
    DemoAgent("daniel", "Daniel Wong", Role.AGENT, ("en",), ("technical", "account"), "agent, EN, technical"),
    DemoAgent(
        "emma",
        "Emma Lavoie",
        Role.AGENT,
        ("en", "fr"),
        ("responsible-gambling", "payments"),
        "agent, EN/FR, responsible gambling",
    ),
    DemoAgent(
        "farid", "Farid Haddad", Role.AGENT, ("en", "fr"), ("technical", "general"), "agent, EN/FR, technical"
    ),
    DemoAgent(
        "sam",
        "Sam Okafor",
        Role.SUPERVISOR,
        ("en", "fr"),
        tuple(t[0] for t in TEAMS),
        "supervisor, all teams",
    ),
    DemoAgent("admin", "Desk Admin", Role.ADMIN, ("en", "fr"), (), "administrator"),
]


class DemoError(RuntimeError):
    pass


@dataclass
class DemoSummary:
    created_cases: int
    total_cases: int
    players: int
    agents: int
    teams: int
    seconds: float

    @property
    def already_loaded(self) -> bool:
        return self.created_cases == 0


def loaded_cases() -> int:
    row = Counter.objects.filter(name=MARKER).first()
    return row.value if row else 0


def is_loaded() -> bool:
    return loaded_cases() > 0


def logins() -> list[tuple[str, str, str]]:
    """(username, password, what the login is) for every demo agent."""
    return [(a.username, DEMO_PASSWORD, a.about) for a in AGENTS]


def build(
    cases: int = DEFAULT_CASES,
    *,
    players: int | None = None,
    seed: int = SEED,
    batch_size: int = 100,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Load the demo desk. Safe to call again: nothing already loaded is created twice."""
    if not settings.DEMO:
        raise DemoError("Demo data is only loaded in demo mode (PLAYERDESK_DEMO=1).")
    if cases < 0:
        raise DemoError("The number of cases cannot be negative.")
    started = time.monotonic()
    if players is None:
        players = min(DEFAULT_PLAYERS, max(20, cases // 5))
    now = clock.now()
    teams = _ensure_teams()
    agents = _ensure_agents(teams)
    macros = _ensure_macros(teams)
    player_rows = _ensure_players(players, seed)
    player_rows = load_demo_accounts(player_rows, seed)  # account state and transactions, as pushed
    ensure_macro_policies()  # which macros are promotional, which reveal account data
    done = loaded_cases()
    context = _Context(now=now, teams=teams, agents=agents, macros=macros, players=player_rows)
    created = 0
    for start in range(done, cases, batch_size):
        end = min(cases, start + batch_size)
        with transaction.atomic(), events.muted():
            for index in range(start, end):
                _make_case(random.Random(f"{seed}:case:{index}"), context)  # noqa: S311
            Counter.objects.update_or_create(name=MARKER, defaults={"value": end})
        created += end - start
        if progress is not None:
            progress(end, cases)
    sla_actions.setup_demo()
    mail_actions.setup_demo_mailboxes()
    triage_demo.setup_demo()  # team map, assignment modes, capacities; triage decisions for the demo cases
    return DemoSummary(
        created_cases=created,
        total_cases=max(done, cases),
        players=len(player_rows),
        agents=len(agents),
        teams=len(teams),
        seconds=time.monotonic() - started,
    )


# ---------------------------------------------------------------- reference data


def _ensure_teams() -> dict[str, Team]:
    existing = {t.slug: t for t in Team.objects.all()}
    for slug, name, description, skills in TEAMS:
        if slug not in existing:
            existing[slug] = do_create_team(slug, name, skills=skills, description=description)
    return existing


def _ensure_agents(teams: dict[str, Team]) -> dict[str, Any]:
    user_model = get_user_model()
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: the hasher is slow on purpose
    users = {u.username: u for u in user_model.objects.filter(username__in=[a.username for a in AGENTS])}
    for spec in AGENTS:
        if spec.username in users:
            continue
        team_rows = [teams[slug] for slug in spec.teams]
        skills = sorted({s for t in team_rows for s in t.skills} | set(spec.languages))
        users[spec.username] = do_create_agent(
            spec.username,
            email=f"{spec.username}@{settings.MAIL_DOMAIN}",
            password=None,
            password_hash=password_hash,
            role=spec.role,
            teams=team_rows,
            languages=spec.languages,
            display_name=spec.display_name,
            skills=skills,
            validate=False,
        )
    return {u: user_model.objects.select_related("agent").get(pk=users[u].pk) for u in users}


def _ensure_macros(teams: dict[str, Team]) -> dict[str, Macro]:
    existing = {m.name: m for m in Macro.objects.all()}
    for spec in MACROS:
        if spec["name"] not in existing:
            existing[spec["name"]] = actions.do_create_macro(
                spec["name"],
                body_en=spec["body_en"],
                body_fr=spec["body_fr"],
                team=teams.get(spec["team"]),
                set_status=spec["set_status"],
                add_tags=spec["add_tags"],
            )
    return existing


def _ensure_players(count: int, seed: int) -> list[Player]:
    rng = random.Random(f"{seed}:players")  # noqa: S311
    provinces = [p for p, _, _ in PROVINCE_WEIGHTS]
    weights = [w for _, w, _ in PROVINCE_WEIGHTS]
    french_share = {p: f for p, _, f in PROVINCE_WEIGHTS}
    specs = []
    for index in range(count):
        province = rng.choices(provinces, weights)[0]
        french = rng.random() < french_share[province]
        first = rng.choice(FIRST_NAMES_FR if french else FIRST_NAMES_EN)
        last = rng.choice(LAST_NAMES_FR if french else LAST_NAMES_EN)
        local = _ascii(f"{first}.{last}").lower().replace(" ", "").replace("-", "")
        if rng.random() < 0.5:
            local += str(rng.randint(1, 99))
        specs.append(
            {
                "external_id": f"P-{100001 + index}",
                "first_name": first,
                "last_name": last,
                "email": f"{local}@{rng.choice(EMAIL_DOMAINS)}",
                "locale": "fr" if french else "en",
                "province": province,
            }
        )
    existing = {
        p.external_id: p for p in Player.objects.filter(external_id__in=[s["external_id"] for s in specs])
    }
    missing = [s for s in specs if s["external_id"] not in existing]
    if missing:
        with transaction.atomic():
            for spec in missing:
                existing[spec["external_id"]] = do_create_player(**spec)
    return [existing[s["external_id"]] for s in specs]


# ---------------------------------------------------------------- cases


@dataclass
class _Context:
    now: datetime
    teams: dict[str, Team]
    agents: dict[str, Any]
    macros: dict[str, Macro]
    players: list[Player]

    def agent_for(self, rng: random.Random, team_slug: str, language: str) -> Any:
        candidates = [
            user
            for user in self.agents.values()
            if user.agent.role == Role.AGENT
            and language in user.agent.languages
            and any(t == team_slug for t in _agent_teams(user))
        ]
        return rng.choice(candidates) if candidates else self.agents["sam"]


def _agent_teams(user: Any) -> tuple[str, ...]:
    for spec in AGENTS:
        if spec.username == user.username:
            return spec.teams
    return ()


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _outcome(rng: random.Random, age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    if hours < 2:
        table = {"new": 60, "open": 20, "waiting": 20}
    elif hours < 24:
        table = {"new": 20, "open": 20, "waiting": 30, "player_replied": 12, "third_party": 6, "solved": 12}
    else:
        table = {"new": 3, "open": 7, "waiting": 15, "player_replied": 8, "third_party": 7, "solved": 60}
    return rng.choices(list(table), list(table.values()))[0]


def _player_text(rng: random.Random, text: str, language: str) -> str:
    """Players type fast: accents dropped in French, apostrophes and capitals dropped in English."""
    if language == "fr" and rng.random() < 0.3:
        return _ascii(text)
    if language == "en" and rng.random() < 0.2:
        return text.replace("'", "")
    if rng.random() < 0.1:
        return text.lower()
    return text


def _make_case(rng: random.Random, ctx: _Context) -> None:
    topic: Topic = rng.choices(TOPICS, [t.weight for t in TOPICS])[0]
    player: Player | None = rng.choice(ctx.players) if rng.random() < 0.9 else None
    if player is not None:
        language = player.locale
        requester = actions.Requester(player.email, player.full_name, player)
        first_name = player.first_name
    else:
        language = "fr" if rng.random() < 0.3 else "en"
        first = rng.choice(FIRST_NAMES_FR if language == "fr" else FIRST_NAMES_EN)
        last = rng.choice(LAST_NAMES_FR if language == "fr" else LAST_NAMES_EN)
        local = _ascii(first[0] + last).lower().replace(" ", "")
        email = f"{local}{rng.randint(70, 99)}@{rng.choice(EMAIL_DOMAINS)}"
        requester = actions.Requester(email, f"{first} {last}" if rng.random() < 0.7 else "", None)
        first_name = first
    texts = topic.fr if language == "fr" else topic.en
    values = _Values(
        amount=str(rng.choice(AMOUNTS)),
        method=rng.choice(METHODS_FR if language == "fr" else METHODS_EN),
        days=str(rng.randint(2, 6)),
        game=rng.choice(GAMES),
        bonus=rng.choice(BONUSES_FR if language == "fr" else BONUSES_EN),
        spins=str(rng.choice([10, 20, 25, 50, 100])),
        bet=str(rng.choice([1, 2, 3, 5, 10, 20])),
        limit=str(rng.choice([50, 100, 200, 250, 500, 1000])),
        weekday=rng.choice(WEEKDAYS_FR if language == "fr" else WEEKDAYS_EN),
        player_id=player.external_id if player else "",
        first_name=first_name,
    )

    def fill(template: str) -> str:
        return template.format_map(values)

    age = SPREAD * (rng.random() ** 1.4)
    moment = ctx.now - age
    outcome = _outcome(rng, age)
    untriaged = outcome == "new" and rng.random() < 0.5
    team_slug = topic.team
    with clock.frozen(moment):
        ticket = do_intake(
            Contact(
                channel=rng.choice(topic.channels),
                requester=requester,
                subject=_player_text(rng, fill(rng.choice(texts.subjects)), language),
                body=_player_text(rng, fill(rng.choice(texts.bodies)), language),
                acknowledge=False,
                no_reply_reason="demo data",
                # The scripted story of the case; the triage panel shows where triage disagrees.
                overrides=Overrides(
                    language=language,
                    category=topic.category,
                    priority=rng.choice(topic.priorities),
                    team=None if untriaged else ctx.teams[team_slug],
                ),
            )
        ).ticket
    if outcome == "new":
        return

    def later(low_minutes: float, high_minutes: float) -> datetime | None:
        nonlocal moment
        moment = moment + timedelta(minutes=rng.uniform(low_minutes, high_minutes))
        return moment if moment <= ctx.now else None

    agent = ctx.agent_for(rng, team_slug, language)
    values["agent"] = agent.agent.display_name
    at = later(2, 180)
    if at is None:
        return
    with clock.frozen(at):
        actions.do_assign(ticket, agent, actor=agent)
        if rng.random() < 0.3 and topic.notes:
            actions.do_reply(ticket, author=agent, body=rng.choice(topic.notes), internal=True)
        if rng.random() < 0.6:
            actions.do_set_tags(ticket, rng.sample(topic.tags, rng.randint(1, len(topic.tags))), actor=agent)
        if rng.random() < 0.06 and ticket.priority > 1:
            actions.do_change_priority(
                ticket, ticket.priority - 1, actor=agent, reason="Player waiting too long, raised"
            )
    if outcome == "open":
        return

    at = later(3, 240)
    if at is None:
        return
    macro = ctx.macros.get(topic.macro) if topic.macro else None
    with clock.frozen(at):
        if macro is not None and rng.random() < 0.4:
            message = actions.do_apply_macro(ticket, macro, author=agent)
        else:
            message = actions.do_reply(
                ticket, author=agent, body=fill(rng.choice(texts.replies)), status=Status.WAITING_PLAYER
            )
    ticket = message.ticket
    if (
        outcome == "third_party"
        and topic.third_party
        and ticket.status in (Status.OPEN, Status.WAITING_PLAYER)
    ):
        with clock.frozen(at + timedelta(minutes=1)):
            actions.do_change_status(ticket, Status.WAITING_THIRD_PARTY, actor=agent, reason="provider")
        return
    if outcome in ("waiting", "third_party"):
        return

    at = later(20, 60 * 20)
    if at is None:
        return
    with clock.frozen(at):
        ticket = do_intake(
            Contact(
                channel=ticket.channel if ticket.channel != "api" else "email",
                requester=requester,
                body=_player_text(rng, fill(rng.choice(texts.follow_ups)), language),
                thread=ticket,
                acknowledge=False,
                no_reply_reason="demo data",
            )
        ).ticket
    if outcome == "player_replied" or ticket.status == Status.CLOSED:
        return

    at = later(5, 60 * 8)
    if at is None:
        return
    with clock.frozen(at):
        message = actions.do_reply(
            ticket, author=agent, body=fill(rng.choice(texts.solved)), status=Status.SOLVED
        )
    ticket = message.ticket
    close_at = at + timedelta(days=settings.REOPEN_WINDOW_DAYS, minutes=rng.uniform(1, 60))
    if close_at <= ctx.now:
        with clock.frozen(close_at):
            actions.do_change_status(ticket, Status.CLOSED, actor=None, reason="auto_close")


def case_counts() -> dict[str, int]:
    """How many cases are in each status (shown after loading)."""
    from django.db.models import Count

    return dict(Ticket.objects.values_list("status").annotate(n=Count("id")).order_by("status"))
