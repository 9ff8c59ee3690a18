"""Teams and agent accounts: the writers used by the command line, the demo data and the admin screens.

Each ``do_*`` validates, writes the rows and an audit record in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import transaction

from playerdesk.core import audit
from playerdesk.core.enums import Language
from playerdesk.core.errors import ActionError
from playerdesk.core.models import AgentProfile, Role, Team
from playerdesk.core.text import clean_line


def check_languages(languages: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    for code in languages:
        code = code.strip().lower()
        if not code:
            continue
        if code not in Language.values:
            raise ActionError(f"Unknown language {code!r}; choose from {', '.join(Language.values)}.")
        if code not in cleaned:
            cleaned.append(code)
    if not cleaned:
        raise ActionError("An agent answers in at least one language.")
    return cleaned


def check_password(password: str, user: Any = None) -> str:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ActionError(" ".join(exc.messages)) from exc
    return password


def do_create_team(
    slug: str,
    name: str,
    *,
    skills: Sequence[str] = (),
    description: str = "",
    actor: Any = None,
) -> Team:
    slug = (slug or "").strip().lower()
    try:
        validate_slug(slug)
    except ValidationError as exc:
        raise ActionError(f"A team slug uses letters, digits, - and _ only (got {slug!r}).") from exc
    name = clean_line(name, 100)
    if not name:
        raise ActionError("A team needs a name.")
    with transaction.atomic():
        if Team.objects.filter(slug=slug).exists():
            raise ActionError(f"A team {slug!r} already exists.")
        team = Team.objects.create(
            slug=slug,
            name=name,
            description=clean_line(description, 255),
            skills=[clean_line(s, 40).lower() for s in skills if clean_line(s, 40)],
        )
        audit.record(
            "team.create",
            object_type="team",
            object_id=str(team.pk),
            user=actor,
            data={"slug": slug, "skills": team.skills},
        )
    return team


def do_create_agent(
    username: str,
    *,
    email: str,
    password: str | None,
    password_hash: str | None = None,
    role: str = Role.AGENT,
    teams: Sequence[Team] = (),
    languages: Sequence[str] = ("en",),
    display_name: str = "",
    skills: Sequence[str] = (),
    validate: bool = True,
    actor: Any = None,
) -> Any:
    """Create a login with its agent profile. ``password=None`` leaves the account without a usable
    password (it must be set before logging in) unless ``password_hash`` (already hashed) is given."""
    user_model = get_user_model()
    username = (username or "").strip()
    if not username or len(username) > 150:
        raise ActionError("A username of 1 to 150 characters is required.")
    try:
        user_model.username_validator(username)
    except ValidationError as exc:
        raise ActionError(" ".join(exc.messages)) from exc
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ActionError("A valid email address is required.") from exc
    if role not in Role.values:
        raise ActionError(f"Unknown role {role!r}; choose from {', '.join(Role.values)}.")
    languages = check_languages(languages)
    with transaction.atomic():
        if user_model.objects.filter(username=username).exists():
            raise ActionError(f"A user {username!r} already exists.")
        user = user_model(username=username, email=email)
        if password is None and password_hash:
            user.password = password_hash
        elif password is None:
            user.set_unusable_password()
        else:
            if validate:
                check_password(password, user)
            user.set_password(password)
        user.save()
        profile = AgentProfile.objects.create(
            user=user,
            display_name=clean_line(display_name, 80) or username,
            role=role,
            languages=languages,
            skills=[clean_line(s, 40).lower() for s in skills if clean_line(s, 40)],
        )
        profile.teams.set(list(teams))
        audit.record(
            "agent.create",
            object_type="user",
            object_id=str(user.pk),
            user=actor,
            data={
                "username": username,
                "role": role,
                "languages": languages,
                "teams": [t.slug for t in teams],
            },
        )
    return user


def teams_by_slug(slugs: Sequence[str]) -> list[Team]:
    wanted = [s.strip().lower() for s in slugs if s.strip()]
    found = {t.slug: t for t in Team.objects.filter(slug__in=wanted)}
    missing = [s for s in wanted if s not in found]
    if missing:
        known = ", ".join(Team.objects.values_list("slug", flat=True)) or "none yet"
        raise ActionError(f"Unknown team {', '.join(missing)} (known teams: {known}).")
    return [found[s] for s in dict.fromkeys(wanted)]
