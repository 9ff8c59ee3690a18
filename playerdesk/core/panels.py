"""Blocks that apps add to the console's case page (service clocks, player record, chat, mail details).

An app lists its panel functions in ``settings.HOOKS["case_panels"]``. A panel function receives the
request and the case and returns a ``Panel`` (a template and its context) or None to show nothing. Each
panel must use a constant number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    # "head": under the case header (flags, clocks); "side": the right column; "main": after the timeline.
    place: Literal["head", "side", "main"] = "side"
