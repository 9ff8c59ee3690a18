"""Demo macro policies: the bonus macro is promotional (never for a self-excluded player) and an account
macro reveals account data (only for a verified requester). Running it again changes nothing."""

from __future__ import annotations

from playerdesk.accounthelp.models import MacroPolicy
from playerdesk.tickets.actions import do_create_macro
from playerdesk.tickets.models import Macro

PROMOTIONAL_MACRO = "Bonus wagering explained"
ACCOUNT_MACRO = "Your account status"


def ensure_macro_policies() -> None:
    bonus = Macro.objects.filter(name=PROMOTIONAL_MACRO).first()
    if bonus is not None:
        MacroPolicy.objects.update_or_create(macro=bonus, defaults={"promotional": True})
    account = Macro.objects.filter(name=ACCOUNT_MACRO).first()
    if account is None:
        account = do_create_macro(
            ACCOUNT_MACRO,
            body_en="Hello {{ first_name }},\n\nI checked your account: it is in good standing and your "
            "latest transactions are processed. Reply if anything looks wrong.\n\n{{ agent_name }}",
            body_fr="Bonjour {{ first_name }},\n\nJ'ai vérifié votre compte : il est en règle et vos "
            "dernières transactions sont traitées. Répondez-nous si quelque chose vous semble "
            "incorrect.\n\n{{ agent_name }}",
        )
    MacroPolicy.objects.update_or_create(macro=account, defaults={"reveals_account_data": True})
