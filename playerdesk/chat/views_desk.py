"""Console chat screen (``/desk/chats/``): ringing chats to accept or decline, the agent's live chats,
transfers, and for supervisors every live chat to watch and whisper in. The screen is driven by the
agent chat socket (``ws/chat/agent/``); this view renders its frame and the choices it needs."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from playerdesk.core.access import agent_of, team_ids_of
from playerdesk.core.decorators import agent_required
from playerdesk.core.models import AgentProfile, Team
from playerdesk.tickets.models import Macro


def labels() -> dict[str, str]:
    return {
        "connected": _("Connected"),
        "connecting": _("Connecting…"),
        "reconnecting": _("Connection lost. Reconnecting…"),
        "accept": _("Accept"),
        "decline": _("Decline"),
        "transfer_offer": _("Transfer"),
        "verified": _("Verified player"),
        "guest": _("Guest · not verified"),
        "guest_note": _("No account data: the visitor has not signed in."),
        "player_id": _("Player id"),
        "email": _("Email"),
        "province": _("Province"),
        "language": _("Language"),
        "given_email": _("Email given"),
        "you": _("You"),
        "whisper": _("Whisper"),
        "sending": _("Sending…"),
        "read": _("Read"),
        "typing": _("The player is typing…"),
        "watch": _("Watch"),
        "ended": _("Ended"),
        "joined": _("%(agent)s joined."),
        "agent_left": _("%(agent)s left; the chat went back to the queue."),
        "transfer": _("Transferred from %(from)s to %(to)s."),
        "ended_event": _("The chat ended."),
        "transcript_sent": _("Transcript emailed to the player."),
        "released": _("This chat is no longer assigned to you."),
        "new_chat": _("New chat ringing"),
    }


@require_GET
@agent_required
def chats(request: HttpRequest) -> HttpResponseBase:
    agent = agent_of(request.user)
    context = {
        "page": "chats",
        "teams": list(Team.objects.filter(is_active=True).only("id", "name")),
        "agents": list(
            AgentProfile.objects.filter(user__is_active=True).exclude(pk=agent.pk).only("id", "display_name")
        ),
        "macros": list(
            Macro.objects.filter(is_active=True)
            .filter(Q(team__isnull=True) | Q(team_id__in=team_ids_of(agent)))
            .only("id", "name")
        ),
        "watch": request.GET.get("watch", "")[:12],
        "labels": labels(),
    }
    return render(request, "chat/desk.html", context)
