"""Deterministic benchmark data: N cases with ~4 messages each, their hash-chained timelines and search
entries, as a real desk would hold them after a year of work.

This is benchmark data, not user writes: for speed it is bulk inserted (``executemany`` in batches) instead of
going through ``tickets.actions``. It reproduces what the actions would have stored, field for field: the
timeline events are hashed with ``tickets.timeline.event_hash`` exactly as ``actions._append_event`` does (so
``verify_chain`` passes), search documents are built like ``search.build_document``, and the reference
sequence is advanced past the generated block so later real cases never collide.

The same seed and size give the same data every time (row ids depend on what the database already held).
Needs a configured Django (``bench.prepare`` sets one up for a separate benchmark database).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.management.color import no_style
from django.db import connection, transaction

from bench.env import SEED
from playerdesk.core import clock, refs, totp
from playerdesk.core.models import AgentProfile, Counter, Role, Team
from playerdesk.core.sequences import TICKET_SEQUENCE
from playerdesk.core.text import fold
from playerdesk.players.models import Player
from playerdesk.tickets.models import Message, SearchEntry, Ticket, TicketEvent
from playerdesk.tickets.timeline import GENESIS, event_hash

END = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
SPAN = dt.timedelta(days=365)
REOPEN_WINDOW = dt.timedelta(days=14)
BATCH = 2_000

TEAMS = [
    ("account", "Account", ["account"]),
    ("payments", "Payments", ["payments"]),
    ("verification", "Verification", ["kyc"]),
    ("technical", "Technical", ["technical"]),
    ("responsible-gambling", "Responsible gambling", ["rg"]),
    ("general", "General", ["general"]),
]
CATEGORY_TEAM = {
    "account": "account",
    "payments": "payments",
    "verification": "verification",
    "bonus": "general",
    "technical": "technical",
    "responsible_gambling": "responsible-gambling",
    "general": "general",
}
CATEGORIES = (
    ["payments"] * 30
    + ["verification"] * 18
    + ["account"] * 16
    + ["bonus"] * 14
    + ["technical"] * 12
    + ["general"] * 6
    + ["responsible_gambling"] * 4
)
PRIORITIES = [1] * 4 + [2] * 18 + [3] * 58 + [4] * 20
CHANNELS = ["email"] * 45 + ["chat"] * 35 + ["web"] * 15 + ["api"] * 5
# Final statuses: about 12% still open (new, open, waiting), the rest solved or closed.
STATUSES = (
    ["new"] * 3
    + ["open"] * 4
    + ["waiting_player"] * 3
    + ["waiting_third_party"] * 2
    + ["solved"] * 18
    + ["closed"] * 70
)
AGENTS_PER_TEAM = 6

FIRST_EN = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Ethan",
    "Chloe",
    "Lucas",
    "Maya",
    "Owen",
    "Priya",
    "Arjun",
]
FIRST_FR = ["Léa", "Gabriel", "Émilie", "Félix", "Chloé", "Mathis", "Zoé", "Étienne", "Océane", "Raphaël"]
LAST = [
    "Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin", "Gagné",
    "Smith", "Brown", "Wilson", "MacDonald", "Li", "Singh", "Martin", "Campbell", "Nguyen", "Patel",
]  # fmt: skip
DOMAINS = ["gmail.com", "outlook.com", "videotron.ca", "bell.net", "yahoo.ca", "icloud.com", "sympatico.ca"]
PROVINCES = ["QC"] * 35 + ["ON"] * 40 + ["BC"] * 10 + ["AB"] * 8 + ["MB"] * 3 + ["NB"] * 2 + ["NS"] * 2
GAMES = [
    "Book of Dead",
    "Starburst",
    "Mega Moolah",
    "Blackjack Live",
    "Roulette Lightning",
    "Big Bass Bonanza",
]

SUBJECTS: dict[str, dict[str, list[str]]] = {
    "payments": {
        "en": [
            "Withdrawal still pending",
            "Deposit not credited",
            "Interac e-Transfer refused",
            "Withdrawal cancelled without reason",
            "Card deposit charged twice",
        ],
        "fr": [
            "Retrait toujours en attente",
            "Dépôt non crédité",
            "Virement Interac refusé",
            "Retrait annulé sans raison",
            "Dépôt par carte débité deux fois",
        ],
    },
    "verification": {
        "en": ["Documents for account verification", "Why was my ID rejected?", "Proof of address question"],
        "fr": [
            "Documents pour la vérification du compte",
            "Pourquoi ma pièce d'identité a-t-elle été refusée ?",
            "Question sur la preuve d'adresse",
        ],
    },
    "account": {
        "en": [
            "Change my email address",
            "Account locked after password attempts",
            "Cannot reset my password",
        ],
        "fr": [
            "Changer mon adresse courriel",
            "Compte bloqué après plusieurs essais",
            "Impossible de réinitialiser mon mot de passe",
        ],
    },
    "bonus": {
        "en": ["Free spins not credited", "Wagering requirement question", "Welcome bonus missing"],
        "fr": [
            "Tours gratuits non crédités",
            "Question sur les conditions de mise",
            "Bonus de bienvenue manquant",
        ],
    },
    "technical": {
        "en": [
            "Game froze during a bonus round",
            "Cannot log in on the mobile app",
            "Live table disconnected",
        ],
        "fr": [
            "Le jeu a figé pendant un tour bonus",
            "Impossible de me connecter sur l'application",
            "Table en direct déconnectée",
        ],
    },
    "responsible_gambling": {
        "en": ["Please set a deposit limit", "I want to self-exclude", "Cool-off period request"],
        "fr": ["Veuillez fixer une limite de dépôt", "Je veux m'auto-exclure", "Demande de pause"],
    },
    "general": {
        "en": ["Question about your licence", "Feedback on the new lobby", "Tax slip request"],
        "fr": ["Question sur votre licence", "Commentaires sur le nouveau lobby", "Demande de relevé fiscal"],
    },
}

PLAYER_LINES = {
    "en": [
        "I made a request of ${amount} on {date} and nothing has happened since.",
        "I was playing {game} when it happened, around {hour}h.",
        "My player id is {player_id} if that helps.",
        "Could you please look into it as soon as possible?",
        "I already tried logging out and back in.",
        "This is the second time I write about this.",
        "I attached a screenshot of the error.",
    ],
    "fr": [
        "J'ai fait une demande de {amount} $ le {date} et rien ne s'est passé depuis.",
        "Je jouais à {game} quand c'est arrivé, vers {hour} h.",
        "Mon numéro de joueur est {player_id} si ça peut aider.",
        "Pourriez-vous vérifier dès que possible ?",
        "J'ai déjà essayé de me déconnecter et de me reconnecter.",
        "C'est la deuxième fois que j'écris à ce sujet.",
        "J'ai joint une capture d'écran de l'erreur.",
    ],
}
AGENT_LINES = {
    "en": [
        "Thank you for contacting us about your case {reference}.",
        "I checked your account and can confirm the request was received on {date}.",
        "Our payments team processes withdrawals within 48 hours once verification is complete.",
        "Could you send us a photo of a government-issued ID and a recent proof of address?",
        "The amount of ${amount} has now been credited to your balance.",
        "Please let us know if there is anything else we can do.",
    ],
    "fr": [
        "Merci de nous avoir écrit au sujet de votre dossier {reference}.",
        "J'ai vérifié votre compte et la demande a bien été reçue le {date}.",
        "Notre équipe des paiements traite les retraits en 48 heures une fois la vérification terminée.",
        "Pourriez-vous nous envoyer une photo d'une pièce d'identité et une preuve d'adresse récente ?",
        "Le montant de {amount} $ a été crédité à votre solde.",
        "N'hésitez pas à nous écrire si nous pouvons faire autre chose pour vous.",
    ],
}
NOTES = [
    "Checked the payment processor: transaction is settled on their side.",
    "KYC documents look fine, waiting on the provider's check.",
    "Escalated to the game provider, ticket opened with them.",
    "Player is on a deposit limit, do not offer bonuses.",
    "Duplicate of an earlier chat, same request.",
]


@dataclass
class Report:
    tickets: int = 0
    messages: int = 0
    events: int = 0
    search_entries: int = 0
    players: int = 0
    first_sequence: int = 0
    last_sequence: int = 0
    seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.tickets + self.messages + self.events + self.search_entries + self.players

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "tickets": self.tickets,
            "messages": self.messages,
            "events": self.events,
            "search_entries": self.search_entries,
            "players": self.players,
            "first_sequence": self.first_sequence,
            "last_sequence": self.last_sequence,
            "seconds": round(self.seconds, 2),
            "rows_per_second": round(self.rows_per_second),
            "statuses": dict(sorted(self.statuses.items())),
        }


@dataclass
class _Agent:
    user_id: int
    name: str


@dataclass
class _PlayerRef:
    pk: int
    external_id: str
    first: str
    last: str
    email: str
    locale: str


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


# ---------------------------------------------------------------- people


def ensure_teams() -> dict[str, Team]:
    teams = {}
    for slug, name, skills in TEAMS:
        team, _ = Team.objects.get_or_create(slug=slug, defaults={"name": name, "skills": skills})
        teams[slug] = team
    return teams


def ensure_agents(teams: dict[str, Team], rng: random.Random) -> dict[str, list[_Agent]]:
    """Six agents per team (usernames ``bench-<team>-<n>``), bilingual on the French-heavy teams."""
    agents: dict[str, list[_Agent]] = {}
    for slug, team in teams.items():
        agents[slug] = []
        for n in range(1, AGENTS_PER_TEAM + 1):
            first = rng.choice(FIRST_EN + FIRST_FR)
            last = rng.choice(LAST)
            username = f"bench-{slug}-{n}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, email=f"{username}@desk.example")
                user.set_unusable_password()
                user.save()
                profile = AgentProfile.objects.create(
                    user=user,
                    display_name=f"{first} {last[0]}.",
                    role=Role.AGENT,
                    languages=["en", "fr"] if n % 2 else ["en"],
                )
                profile.teams.set([team])
            agents[slug].append(_Agent(user.pk, user.agent.display_name))
    return agents


def ensure_players(count: int, rng: random.Random) -> list[_PlayerRef]:
    """``count`` players (external ids ``BP-0000001``…), created once and reused."""
    specs = []
    for i in range(1, count + 1):
        locale = "fr" if rng.random() < 0.4 else "en"
        first = rng.choice(FIRST_FR if locale == "fr" else FIRST_EN)
        last = rng.choice(LAST)
        email = f"{_ascii(first)}.{_ascii(last)}{i}@{rng.choice(DOMAINS)}"
        province = "QC" if locale == "fr" and rng.random() < 0.85 else rng.choice(PROVINCES)
        specs.append((f"BP-{i:07d}", first, last, email, locale, province))
    for start in range(0, len(specs), BATCH):
        Player.objects.bulk_create(
            [
                Player(external_id=x, first_name=f, last_name=la, email=e, locale=lo, province=p)
                for x, f, la, e, lo, p in specs[start : start + BATCH]
            ],
            ignore_conflicts=True,
        )
    ids: dict[str, int] = {}
    for start in range(0, len(specs), 500):
        chunk = [s[0] for s in specs[start : start + 500]]
        ids.update(Player.objects.filter(external_id__in=chunk).values_list("external_id", "pk"))
    return [_PlayerRef(ids[x], x, f, la, e, lo) for x, f, la, e, lo, _p in specs]


# ---------------------------------------------------------------- sequences and ids


def reserve_sequences(count: int) -> int:
    """Advance the reference sequence by ``count`` and return the first reserved value."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT last_value, is_called FROM playerdesk_ticket_seq")
            last_value, is_called = cursor.fetchone()
            current = int(last_value) if is_called else int(last_value) - 1
            cursor.execute("SELECT setval(%s, %s, true)", [TICKET_SEQUENCE, current + count])
            return current + 1
    row = Counter.objects.filter(name=TICKET_SEQUENCE).values_list("value", flat=True).first()
    current = int(row or 0)
    Counter.objects.update_or_create(name=TICKET_SEQUENCE, defaults={"value": current + count})
    return current + 1


def _next_id(model: type[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {model._meta.db_table}")
        row = cursor.fetchone()
    return int(row[0] or 0) + 1


def _reset_pk_sequences() -> None:
    """PostgreSQL identity sequences follow explicit ids only when told (SQLite's AUTOINCREMENT does)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Ticket, Message, TicketEvent]):
            cursor.execute(statement)


# ---------------------------------------------------------------- one case


class _Case:
    """Builds one case's rows in the order the actions would have written them."""

    def __init__(self, ticket_id: int, reference: str, channel: str) -> None:
        self.ticket_id = ticket_id
        self.reference = reference
        self.channel = channel
        self.events: list[tuple[Any, ...]] = []
        self.messages: list[tuple[Any, ...]] = []
        self.bodies: list[str] = []
        self.prev = GENESIS

    def event(
        self, kind: str, actor_id: int | None, label: str, data: dict[str, Any], public: bool, at: dt.datetime
    ) -> None:
        seq = len(self.events) + 1
        digest = event_hash(
            reference=self.reference,
            seq=seq,
            kind=kind,
            actor_id=actor_id,
            actor_label=label,
            data=data,
            public=public,
            created_at=at.isoformat(),
            prev_hash=self.prev,
        )
        self.events.append((self.ticket_id, seq, kind, actor_id, label, data, public, at, self.prev, digest))
        self.prev = digest

    def message(
        self,
        message_id: int,
        kind: str,
        body: str,
        at: dt.datetime,
        *,
        author_id: int | None,
        author_name: str,
        author_email: str,
    ) -> None:
        channel = self.channel if kind == "inbound" or self.channel != "api" else "email"
        sha = hashlib.sha256(body.encode()).hexdigest()
        self.messages.append(
            (
                message_id,
                self.ticket_id,
                kind,
                channel,
                author_id,
                author_name,
                author_email,
                body,
                "",
                at,
                "",
                sha,
            )
        )
        self.bodies.append(body)
        self.event(
            "message",
            author_id,
            author_name or author_email or "system",
            {"message": message_id, "kind": kind, "channel": channel, "sha256": sha},
            kind != "note",
            at,
        )


def _fill(template: str, rng: random.Random, reference: str, player_id: str, at: dt.datetime) -> str:
    return template.format(
        amount=rng.choice([20, 50, 100, 150, 200, 250, 500, 1000, 2500]),
        date=(at - dt.timedelta(days=rng.randint(0, 6))).date().isoformat(),
        game=rng.choice(GAMES),
        hour=rng.randint(0, 23),
        player_id=player_id or "-",
        reference=reference,
    )


def _text(lines: Sequence[str], count: int, rng: random.Random, **kw: Any) -> str:
    return " ".join(_fill(line, rng, **kw) for line in rng.sample(list(lines), count))


# ---------------------------------------------------------------- the generator


def generate(
    n_tickets: int,
    *,
    seed: int = SEED,
    batch_size: int = BATCH,
    progress: Callable[[int, int, float], None] | None = None,
    analyze: bool = True,
) -> Report:
    """Insert ``n_tickets`` cases (plus players, agents, teams when missing). Deterministic for a seed."""
    started = time.perf_counter()
    rng = random.Random(seed)
    report = Report()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # benchmark data: no need to wait for each WAL flush
            cursor.execute("SET synchronous_commit TO off")
    with transaction.atomic():
        teams = ensure_teams()
        agents = ensure_agents(teams, rng)
        players = ensure_players(max(50, n_tickets // 3), rng)
        report.players = len(players)
        first_seq = reserve_sequences(n_tickets)
    report.first_sequence, report.last_sequence = first_seq, first_seq + n_tickets - 1
    ticket_id, message_id = _next_id(Ticket), _next_id(Message)
    team_ids = {slug: team.pk for slug, team in teams.items()}
    step = SPAN / max(n_tickets, 1)
    start_at = END - SPAN

    done = 0
    while done < n_tickets:
        count = min(batch_size, n_tickets - done)
        tickets, messages, events, entries = [], [], [], []
        for i in range(done, done + count):
            received = (
                start_at
                + step * i
                + dt.timedelta(microseconds=rng.randrange(int(step / dt.timedelta(microseconds=1)) or 1))
            )
            case, row, document = _build_case(
                rng, ticket_id, first_seq + i, message_id, received, players, agents, team_ids, report
            )
            ticket_id += 1
            message_id += len(case.messages)
            tickets.append(row)
            messages.extend(case.messages)
            events.extend(case.events)
            entries.append((case.ticket_id, document))
        with transaction.atomic():
            _insert(Ticket, tickets)
            _insert(Message, messages)
            _insert(TicketEvent, [(None, *e) for e in events])
            _insert(SearchEntry, entries)
        report.tickets += len(tickets)
        report.messages += len(messages)
        report.events += len(events)
        report.search_entries += len(entries)
        done += count
        if progress is not None:
            progress(done, n_tickets, time.perf_counter() - started)
    with transaction.atomic():
        _reset_pk_sequences()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
    if analyze:  # fresh planner statistics, as a live desk would have
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    report.seconds = time.perf_counter() - started
    return report


def _build_case(
    rng: random.Random,
    ticket_id: int,
    sequence: int,
    first_message_id: int,
    received: dt.datetime,
    players: list[_PlayerRef],
    agents: dict[str, list[_Agent]],
    team_ids: dict[str, int],
    report: Report,
) -> tuple[_Case, tuple[Any, ...], str]:
    reference = refs.reference_for_sequence(sequence)
    category = rng.choice(CATEGORIES)
    priority = rng.choice(PRIORITIES)
    channel = rng.choice(CHANNELS)
    status = rng.choice(STATUSES)
    player = rng.choice(players) if rng.random() < 0.75 else None
    if player is not None:
        language, name, email, player_pk, external = (
            player.locale,
            f"{player.first} {player.last}",
            player.email,
            player.pk,
            player.external_id,
        )
    else:
        language = "fr" if rng.random() < 0.35 else "en"
        first, last = rng.choice(FIRST_FR if language == "fr" else FIRST_EN), rng.choice(LAST)
        name = f"{first} {last}" if rng.random() < 0.8 else ""
        email = f"{_ascii(first)}{rng.randint(1, 9999)}@{rng.choice(DOMAINS)}"
        player_pk, external = None, ""
    team_slug: str | None = CATEGORY_TEAM[category] if rng.random() < 0.92 else "general"
    if status == "new" and rng.random() < 0.5:
        team_slug = None  # not routed yet
    subject = rng.choice(SUBJECTS[category][language])
    agent = rng.choice(agents[team_slug or "general"])
    kw = {"reference": reference, "player_id": external}

    case = _Case(ticket_id, reference, channel)
    next_message = iter(range(first_message_id, first_message_id + 100))
    at = received
    case.event(
        "created",
        None,
        name or email,
        {
            "channel": channel,
            "subject": subject,
            "requester": email,
            "language": language,
            "category": category,
            "priority": priority,
            "team": team_slug,
            "linked_from": None,
        },
        True,
        at,
    )

    def player_writes(when: dt.datetime) -> None:
        body = _text(PLAYER_LINES[language], rng.randint(2, 4), rng, at=when, **kw)
        case.message(
            next(next_message), "inbound", body, when, author_id=None, author_name=name, author_email=email
        )

    def agent_writes(when: dt.datetime, kind: str = "outbound") -> None:
        if kind == "note":
            body = rng.choice(NOTES)
        else:
            body = _text(AGENT_LINES[language], rng.randint(2, 4), rng, at=when, **kw)
        case.message(
            next(next_message),
            kind,
            body,
            when,
            author_id=agent.user_id,
            author_name=agent.name,
            author_email="",
        )

    def set_status(
        before: str, after: str, when: dt.datetime, actor: _Agent | None, reason: str = ""
    ) -> None:
        data: dict[str, Any] = {"from": before, "to": after}
        if reason:
            data["reason"] = reason
        case.event(
            "status",
            actor.user_id if actor else None,
            actor.name if actor else "system",
            data,
            after in ("solved", "closed"),
            when,
        )

    def later(low_minutes: int, high_minutes: int) -> dt.datetime:
        return at + dt.timedelta(
            minutes=rng.randint(low_minutes, high_minutes), microseconds=rng.randrange(1_000_000)
        )

    player_writes(at)
    first_response = solved = closed = None
    last_player = at
    assignee: int | None = None
    if status == "new":
        if rng.random() < 0.3:
            at = last_player = later(30, 600)
            player_writes(at)
    else:
        at = later(2, 240)
        assignee = agent.user_id
        case.event("assignee", agent.user_id, agent.name, {"from": None, "to": agent.name}, False, at)
        set_status("new", "open", at, agent, "assigned")
        current = "open"
        if status == "waiting_third_party" or rng.random() < 0.15:
            at = later(1, 60)
            agent_writes(at, "note")
        at = first_response = later(5, 600)
        target = "waiting_third_party" if status == "waiting_third_party" else "waiting_player"
        agent_writes(at)
        set_status(current, target, at, agent)
        current = target
        if status in ("open", "solved", "closed") or (status == "waiting_third_party" and rng.random() < 0.5):
            at = last_player = later(30, 2880)
            player_writes(at)
            if current == "waiting_player":
                set_status(current, "open", at, None, "player_reply")
                current = "open"
        if status in ("solved", "closed"):
            at = solved = later(10, 1440)
            agent_writes(at)
            set_status(current, "solved", at, agent)
            current = "solved"
            close_at = solved + REOPEN_WINDOW + dt.timedelta(hours=rng.randint(1, 24))
            if status == "closed" and close_at < END:
                at = closed = close_at
                set_status(current, "closed", at, None, "auto_close")
                current = "closed"
        status = current
    report.statuses[status] = report.statuses.get(status, 0) + 1

    row = (
        ticket_id,
        reference,
        subject,
        status,
        channel,
        language,
        category,
        priority,
        team_ids[team_slug] if team_slug else None,
        assignee,
        player_pk,
        email,
        name,
        None,
        received,
        at,
        first_response,
        solved,
        closed,
        last_player,
        received if channel != "chat" else None,  # written channels got their acknowledgement
        len(case.messages),
        len(case.events),
        case.prev,
    )
    parts = [reference, subject, name, email, external, *reversed(case.bodies)]
    document = fold(" ".join(p for p in parts if p))
    return case, row, document


# ---------------------------------------------------------------- bulk insert

_DATETIME_COLUMNS = {"received_at", "updated_at", "first_response_at", "solved_at", "closed_at",
                     "last_player_message_at", "acknowledged_at", "created_at"}  # fmt: skip


def _insert(model: type[Any], rows: list[tuple[Any, ...]]) -> None:
    """Insert full rows in the model's column order (``None`` id → database-assigned): ``executemany`` on
    SQLite, ``COPY`` on PostgreSQL."""
    if not rows:
        return
    # Generated columns (Ticket.is_open) are computed by the database.
    columns = [f.column for f in model._meta.concrete_fields if not f.generated]
    adapters: list[tuple[int, Callable[[Any], Any]]] = []
    for index, column in enumerate(columns):
        if column in _DATETIME_COLUMNS:
            adapters.append((index, connection.ops.adapt_datetimefield_value))
        elif column == "data":
            adapters.append((index, lambda v: connection.ops.adapt_json_value(v, None)))
    skip_id = rows[0][0] is None and columns[0] == "id"
    if skip_id:
        columns = columns[1:]
    prepared = []
    for row in rows:
        values = list(row)
        for index, adapt in adapters:
            if values[index] is not None:
                values[index] = adapt(values[index])
        prepared.append(values[1:] if skip_id else values)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is several times faster than INSERT on PostgreSQL.
            with cursor.cursor.copy(f"COPY {model._meta.db_table} ({names}) FROM STDIN") as copy:
                for values in prepared:
                    copy.write_row(values)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {model._meta.db_table} ({names}) VALUES ({placeholders})", prepared
            )


def two_step_on(users: Any) -> str:
    """Benchmark staff are signed in as production requires, past two-step sign-in: it is on for them.
    Returns what their sessions hold once they gave a code (``totp.SESSION_KEY``)."""
    enabled_at = clock.now()
    AgentProfile.objects.filter(user__in=users).update(
        totp_secret=totp.seal(totp.new_secret()), totp_enabled_at=enabled_at
    )
    return enabled_at.isoformat()


def signed_in_client(user: User) -> Any:
    """A test client signed in as ``user`` through both steps of sign-in."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.session
    session[totp.SESSION_KEY] = two_step_on([user])
    session.save()
    return client
