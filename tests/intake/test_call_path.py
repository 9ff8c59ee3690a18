"""An inbound email followed call by call: channel (mail) → intake → services → journal, and nothing
climbs back up a layer except through a declared hook list (``core.hooks``)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from django.urls import reverse

from playerdesk.mail import inbound
from playerdesk.tickets.models import Ticket
from tests.core.test_import_layers import layer
from tests.mail.conftest import SUPPORT
from tests.mail.mails import make_mail

ROOT = Path(__file__).resolve().parents[2] / "playerdesk"
HOOKS = str(ROOT / "core" / "hooks.py")


def _app(filename: str) -> str | None:
    path = Path(filename)
    if ROOT not in path.parents or path.parent == ROOT:
        return None
    return path.relative_to(ROOT).parts[0]


class Tracer:
    """Every call into the desk's code, with the nearest caller of the desk's code."""

    def __init__(self) -> None:
        self.climbs: list[str] = []
        self.entries: list[str] = []  # apps in the order the path first enters them

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if event != "call" or frame.f_code.co_name == "<module>":  # an import, not a call of the path
            return
        callee = _app(frame.f_code.co_filename)
        if callee is None:
            return
        if callee not in self.entries:
            self.entries.append(callee)
        caller_frame = frame.f_back
        while caller_frame is not None and _app(caller_frame.f_code.co_filename) is None:
            if caller_frame.f_code.co_filename == HOOKS:
                break
            caller_frame = caller_frame.f_back
        if caller_frame is None or caller_frame.f_code.co_filename == HOOKS:
            return
        caller = _app(caller_frame.f_code.co_filename)
        if caller is not None and layer(callee) > layer(caller):
            self.climbs.append(f"{caller}:{caller_frame.f_code.co_name} → {callee}:{frame.f_code.co_name}")


def _process(raw: bytes, sender: str) -> Tracer:
    reverse("portal:find")  # the URL configuration loads once per process, before the path is followed
    tracer = Tracer()
    stored = inbound.receive(raw, source="smtp", envelope_from=sender, envelope_to=[SUPPORT], enqueue=False)
    sys.setprofile(tracer)
    try:
        inbound.process(stored.inbound_id)
    finally:
        sys.setprofile(None)
    return tracer


@pytest.mark.django_db
def test_an_inbound_email_goes_down_the_layers(team: Any) -> None:
    first = _process(
        make_mail(subject="Withdrawal still pending", sender="Pat <pat@example.com>"), "pat@example.com"
    )
    ticket = Ticket.objects.get()
    assert first.climbs == [], "\n".join(first.climbs)
    path = [app for app in first.entries if app != "core"]  # core's helpers serve every layer
    # Mail parses (with the journal's checks), then intake decides: triage, the journal, the clocks.
    assert path[0] == "mail" and path.index("intake") < path.index("triage") < path.index("sla"), path
    # The player's reply, threaded onto the case by the subject's reference.
    reply = make_mail(subject=f"Re: [{ticket.reference}] Withdrawal", sender="Pat <pat@example.com>")
    second = _process(reply, "pat@example.com")
    assert second.climbs == [], "\n".join(second.climbs)
    assert ticket.messages.count() == 2


def test_the_tracer_sees_a_climb() -> None:
    """A function of the journal calling a service directly is reported (code compiled under the
    journal's path stands for it)."""
    from playerdesk.sla import clocks

    namespace: dict[str, Any] = {"clocks": clocks}
    source = "def journal_function():\n    return clocks.runs_in('resolution', 'open')\n"
    exec(compile(source, str(ROOT / "tickets" / "example.py"), "exec"), namespace)  # noqa: S102
    tracer = Tracer()
    sys.setprofile(tracer)
    try:
        assert namespace["journal_function"]() is True
    finally:
        sys.setprofile(None)
    assert tracer.climbs == ["tickets:journal_function → sla:runs_in"]
