"""Identity before disclosure.

A requester is verified for a case when they write by email (or the web form, or the operator's API)
from the address on file, when the operator vouched for them (signed-in chat), or when they gave back a
one-time code sent to the email or phone on file. A chat guest or a different address is not verified:
then no account data is shown, revealing macros are blocked and the API withholds the account."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from playerdesk.accounthelp.models import Verification, VerificationMethod, VerificationStatus
from playerdesk.accounthelp.webhooks import queue_webhook
from playerdesk.core import audit, clock
from playerdesk.core.errors import ActionError
from playerdesk.players.models import Player
from playerdesk.tickets import delivery
from playerdesk.tickets.actions import append_event, lock_case, save_case
from playerdesk.tickets.models import Channel, Ticket

CODE_MINUTES = 15
MAX_CODE_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 5
# Channels whose answers only ever reach the requester's address: writing from the address on file is
# enough. Chat and phone are live: whoever is there must prove who they are.
ADDRESS_CHANNELS = {Channel.EMAIL, Channel.WEB, Channel.API}


@dataclass(frozen=True)
class Identity:
    verified: bool
    method: str = ""
    reason: str = ""
    pending: Verification | None = None


def matches_on_file(ticket: Ticket, player: Player) -> bool:
    return ticket.requester_email.strip().lower() == player.email.strip().lower()


def identity(ticket: Ticket) -> Identity:
    """Is the person writing on this case the player on file? (one query)"""
    player = ticket.player
    if player is None:
        return Identity(False, reason="No player account is linked to this case.")
    now = clock.now()
    rows = list(Verification.objects.filter(ticket=ticket, player=player).order_by("-created_at", "-id")[:10])
    for row in rows:
        if row.status == VerificationStatus.VERIFIED:
            return Identity(True, method=row.method)
    if ticket.channel in ADDRESS_CHANNELS and matches_on_file(ticket, player):
        return Identity(True, method=VerificationMethod.EMAIL_ON_FILE)
    pending = next(
        (r for r in rows if r.status == VerificationStatus.PENDING and r.expires_at and r.expires_at > now),
        None,
    )
    if ticket.channel == Channel.CHAT:
        reason = "A chat guest is not verified until they confirm a one-time code."
    elif ticket.channel == Channel.PHONE:
        reason = "A caller is not verified until they confirm a one-time code."
    else:
        reason = "The requester's address does not match the email on file."
    return Identity(False, reason=reason, pending=pending)


def _code_hash(ticket: Ticket, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"verification:{ticket.pk}:{code}".encode(), hashlib.sha256).hexdigest()


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}{'•' * max(1, len(local) - 1)}@{domain}"


def mask_phone(phone: str) -> str:
    digits = [c for c in phone if c.isdigit()]
    return "•••" + "".join(digits[-2:])


def do_send_code(ticket: Ticket, *, via: str, actor: Any) -> Verification:
    """Send a one-time code to the email (or, through the operator, the phone) on file."""
    if via not in ("email", "phone"):
        raise ActionError("Send the code by email or phone.")
    now = clock.now()
    with transaction.atomic():
        ticket = lock_case(ticket.pk)
        player = Player.objects.filter(pk=ticket.player_id or 0).first()
        if player is None:
            raise ActionError("Link the case to a player account first.")
        if via == "phone" and not player.phone:
            raise ActionError("The operator has no phone number on file for this player.")
        recent = Verification.objects.filter(ticket=ticket, created_at__gte=now - timedelta(hours=1)).count()
        if recent >= MAX_CODES_PER_HOUR:
            raise ActionError("Too many codes were sent for this case in the last hour. Try again later.")
        Verification.objects.filter(ticket=ticket, status=VerificationStatus.PENDING).update(
            status=VerificationStatus.EXPIRED
        )
        code = f"{secrets.randbelow(10**6):06d}"
        method = VerificationMethod.EMAIL_CODE if via == "email" else VerificationMethod.PHONE_CODE
        row = Verification.objects.create(
            ticket=ticket,
            player=player,
            method=method,
            status=VerificationStatus.PENDING,
            code_hash=_code_hash(ticket, code),
            expires_at=now + timedelta(minutes=CODE_MINUTES),
            requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            created_at=now,
        )
        to = mask_email(player.email) if via == "email" else mask_phone(player.phone)
        append_event(ticket, "identity_code_sent", actor, {"method": method, "to": to})
        save_case(ticket)
        audit.record(
            "player.verification_code", object_type="ticket", object_id=ticket.reference, user=actor,
            data={"method": method, "player": player.external_id},
        )  # fmt: skip
        if via == "email":
            delivery.send_notice(
                ticket,
                kind="verification_code",
                template="player_verification_code",
                context={
                    "code": code,
                    "minutes": CODE_MINUTES,
                    "name": player.first_name or player.full_name,
                },
                to=player.email,
                language=player.locale,
            )
        else:
            queue_webhook(
                "verification.code",
                {
                    "player_id": player.external_id,
                    "channel": "sms",
                    "code": code,
                    "expires_at": row.expires_at.isoformat() if row.expires_at else None,
                    "language": player.locale,
                    "case": ticket.reference,
                },
                ticket=ticket,
            )
    return row


def do_check_code(ticket: Ticket, code: str, *, actor: Any) -> bool:
    """The agent types the code the requester gave back. Returns True when the requester is verified;
    a wrong code counts an attempt (five, then the code is void)."""
    code = "".join(c for c in (code or "") if c.isdigit())[:6]
    now = clock.now()
    with transaction.atomic():
        ticket = lock_case(ticket.pk)
        row = (
            Verification.objects.select_for_update()
            .filter(ticket=ticket, player_id=ticket.player_id or 0, status=VerificationStatus.PENDING)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None:
            raise ActionError("No code is waiting for this case: send a new one.")
        if row.expires_at is None or row.expires_at <= now:
            row.status = VerificationStatus.EXPIRED
            row.save(update_fields=["status"])
            append_event(ticket, "identity_check_failed", actor, {"method": row.method, "result": "expired"})
            save_case(ticket)
            return False
        row.attempts += 1
        if len(code) == 6 and hmac.compare_digest(row.code_hash, _code_hash(ticket, code)):
            row.status = VerificationStatus.VERIFIED
            row.verified_at = now
            row.save(update_fields=["status", "attempts", "verified_at"])
            append_event(ticket, "identity_verified", actor, {"method": row.method, "result": "verified"})
            save_case(ticket)
            audit.record(
                "player.verified", object_type="ticket", object_id=ticket.reference, user=actor,
                data={"method": row.method},
            )  # fmt: skip
            return True
        result = "wrong_code"
        if row.attempts >= MAX_CODE_ATTEMPTS:
            row.status = VerificationStatus.FAILED
            result = "too_many_attempts"
        row.save(update_fields=["status", "attempts"])
        append_event(
            ticket,
            "identity_check_failed",
            actor,
            {"method": row.method, "result": result, "attempt": row.attempts},
        )
        save_case(ticket)
    return False


def do_record_verification(ticket: Ticket, *, method: str, actor: Any = None) -> Verification:
    """Record that the operator vouched for the requester (e.g. a chat opened with a signed player
    token): the case counts as verified from now on."""
    if method not in VerificationMethod.values:
        raise ActionError(f"Unknown verification method {method!r}.")
    now = clock.now()
    with transaction.atomic():
        ticket = lock_case(ticket.pk)
        if ticket.player_id is None:
            raise ActionError("Link the case to a player account first.")
        row = Verification.objects.create(
            ticket=ticket,
            player_id=ticket.player_id,
            method=method,
            status=VerificationStatus.VERIFIED,
            created_at=now,
            verified_at=now,
        )
        append_event(ticket, "identity_verified", actor, {"method": method, "result": "verified"})
        save_case(ticket)
    return row
