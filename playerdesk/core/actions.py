"""Writers of desk-wide state owned by core: agent presence status, the second factor of sign-in."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from playerdesk.core import audit, clock, events, hooks, totp
from playerdesk.core.errors import ActionError
from playerdesk.core.models import AgentProfile, AgentStatus


def do_set_agent_status(
    profile: AgentProfile, status: str, *, actor: Any = None, request: HttpRequest | None = None
) -> AgentProfile:
    """Set an agent's presence (online / away / offline), audited and pushed to connected consoles. The
    functions of ``settings.HOOKS["agent_status"]`` follow the change inside its transaction:
    ``(profile, previous, status)``."""
    if status not in AgentStatus.values:
        raise ActionError(f"Unknown status: {status!r}.")
    with transaction.atomic():
        profile = AgentProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
        previous = profile.status
        if previous == status:
            return profile
        profile.status = status
        profile.status_changed_at = clock.now()
        profile.save(update_fields=["status", "status_changed_at"])
        audit.record(
            "agent.status",
            object_type="agent",
            object_id=str(profile.pk),
            user=actor if actor is not None else profile.user,
            request=request,
            data={"from": previous, "to": status},
        )
        events.send_on_commit(
            events.DESK_GROUP,
            {"kind": "agent_status", "agent": profile.pk, "name": profile.display_name, "status": status},
        )
        hooks.run("agent_status", profile, previous, status)  # re-offer their chats, or take waiting cases
    return profile


def do_record_sign_in(
    profile: AgentProfile, *, second_step: bool, request: HttpRequest | None = None
) -> None:
    """An agent signed in to the console: who, from where, and whether with the second step."""
    audit.record(
        "agent.signed_in",
        object_type="agent",
        object_id=str(profile.pk),
        user=profile.user,
        request=request,
        data={"second_step": second_step},
    )


# ---------------------------------------------------------------- second factor (TOTP)


def do_verify_two_factor_code(
    profile: AgentProfile, code: str, *, request: HttpRequest | None = None, recovery: bool = True
) -> bool:
    """Whether ``code`` is the agent's current code, used for the first time, or (with ``recovery``) one
    of their recovery codes, which is then used up. The step of a code is recorded in the same update that
    checks it is newer than the last one used, so two requests carrying the same code cannot both pass.
    A wrong code is audited."""
    if profile.two_factor_on:
        step = totp.matching_step(
            totp.unseal(profile.totp_secret), code, clock.now().timestamp(), after_step=profile.totp_last_step
        )
        if step is not None:
            used = AgentProfile.objects.filter(pk=profile.pk, totp_last_step__lt=step).update(
                totp_last_step=step
            )
            if used:
                profile.totp_last_step = step
                return True
        digest = totp.recovery_digest(code) if recovery else None
        if digest is not None and _use_recovery_code(profile, digest, request):
            return True
    _audit_two_factor("agent.2fa_failed", profile, request)
    return False


def _audit_two_factor(
    action: str, profile: AgentProfile, request: HttpRequest | None, data: dict[str, Any] | None = None
) -> None:
    audit.record(
        action, object_type="agent", object_id=str(profile.pk), user=profile.user, request=request, data=data
    )


def _use_recovery_code(profile: AgentProfile, digest: str, request: HttpRequest | None) -> bool:
    with transaction.atomic():
        locked = AgentProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
        if not locked.two_factor_on or digest not in locked.totp_recovery:
            return False
        locked.totp_recovery = [d for d in locked.totp_recovery if d != digest]
        locked.save(update_fields=["totp_recovery"])
        _audit_two_factor(
            "agent.2fa_recovery_used", locked, request, data={"left": len(locked.totp_recovery)}
        )
    profile.totp_recovery = locked.totp_recovery
    return True


def do_new_recovery_codes(profile: AgentProfile, *, request: HttpRequest | None = None) -> list[str]:
    """A fresh set of recovery codes (the old ones stop working); returns them, to be shown once."""
    codes = totp.new_recovery_codes()
    with transaction.atomic():
        profile = AgentProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
        if not profile.two_factor_on:
            raise ActionError(str(_("Two-step sign-in is off for this account.")))
        profile.totp_recovery = totp.recovery_digests(codes)
        profile.save(update_fields=["totp_recovery"])
        _audit_two_factor("agent.2fa_recovery_renewed", profile, request)
    return codes


def do_enable_two_factor(
    profile: AgentProfile, secret: str, code: str, *, request: HttpRequest | None = None
) -> list[str]:
    """Turn the second factor on with the key the agent's app was given, once it shows a code of it.
    Returns the account's recovery codes, to be shown once."""
    codes = totp.new_recovery_codes()
    step = totp.matching_step(secret, code, clock.now().timestamp())
    if step is None:
        raise ActionError(str(_("That code does not match. Check the time on your phone and try again.")))
    with transaction.atomic():
        profile = AgentProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
        if profile.two_factor_on:
            raise ActionError(str(_("Two-step sign-in is already on for this account.")))
        profile.totp_secret = totp.seal(secret)
        profile.totp_enabled_at = clock.now()
        profile.totp_last_step = step
        profile.totp_recovery = totp.recovery_digests(codes)
        profile.save(update_fields=["totp_secret", "totp_enabled_at", "totp_last_step", "totp_recovery"])
        _audit_two_factor("agent.2fa_enabled", profile, request)
    return codes


def do_disable_two_factor(
    profile: AgentProfile, *, actor: Any, reason: str = "", request: HttpRequest | None = None
) -> AgentProfile:
    """Turn the second factor off: by the agent (who has just given a current code), or by an
    administrator for an agent who lost their phone (``reason`` says why; the reset is audited)."""
    with transaction.atomic():
        profile = AgentProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
        if not profile.two_factor_on:
            return profile
        profile.totp_secret = ""
        profile.totp_enabled_at = None
        profile.totp_recovery = []
        profile.save(update_fields=["totp_secret", "totp_enabled_at", "totp_recovery"])
        audit.record(
            "agent.2fa_disabled",
            object_type="agent",
            object_id=str(profile.pk),
            user=actor,
            request=request,
            label=None if getattr(actor, "is_authenticated", False) else "administrator (command line)",
            data={"reason": reason} if reason else None,
        )
    return profile
