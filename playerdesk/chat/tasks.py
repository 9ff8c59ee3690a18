from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from playerdesk.chat.identity import purge_used_tokens
from playerdesk.chat.routing import sweep


@db_periodic_task(crontab(minute="*"))
@lock_task("chat-sweep")
def chat_sweep() -> dict[str, int]:
    """Backstop for chat screens' heartbeats: expire offers, give back chats of absent agents, ring."""
    return sweep()


@db_periodic_task(crontab(minute="7", hour="*"))
def chat_purge_tokens() -> int:
    """Forget player tokens past their expiry (they can no longer be replayed anyway)."""
    return purge_used_tokens()
