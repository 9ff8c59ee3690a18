"""Free, confidential gambling help lines shown to players (portal footer, case emails).

A player whose province is known sees that province's line; anyone else sees every line below.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Helpline:
    province: str
    name: str
    number: str

    @property
    def tel(self) -> str:
        return "+1" + "".join(c for c in self.number if c.isdigit())[-10:]


HELPLINES = (
    Helpline("ON", "ConnexOntario", "1-866-531-2600"),
    Helpline("QC", "Jeu : aide et référence", "1-800-461-0140"),
)


def helplines_for(province: str = "") -> tuple[Helpline, ...]:
    own = tuple(line for line in HELPLINES if line.province == province)
    return own or HELPLINES
