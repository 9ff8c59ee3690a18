"""Built-in P1 rules: account security, critical transaction errors, self-exclusion or "I must stop now".

They match the folded text (lower case, no accents, apostrophes as spaces) in English and French,
including chat spellings. They always apply; admins add other priority rules in the console.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_GAP = r"(?:\s+\S+){0,8}?\s+"  # up to eight words in between


@dataclass(frozen=True)
class UrgentRule:
    key: str
    label: str
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None = None


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts))


SECURITY = UrgentRule(
    "security",
    "Account security",
    _rx(
        # someone else in the account
        r"\b(someone|somebody|someone else|somebody else|a stranger)\b"
        + _GAP
        + r"(logged|log|got|getting|accessed|access|into|using|is using|has access|broke|taken|stole|"
        r"changed)\b",
        r"\b(hack\w*|compromised|taken over|took over|account takeover|stole\w*|stolen)\b",
        r"\b(suspicious|unauthori[sz]ed|strange|unknown|unrecogni[sz]ed)\s+(activity|login\w*|log ins?|"
        r"access|"
        r"sessions?|device|transactions?|bets?)\b",
        r"\b(login\w*|log ins?|sessions?|connections?)\s+from\b"
        + _GAP
        + r"(same time|don t|do not|not mine|never)",
        r"\b(password|email|e mail|email address|phone number)\b"
        + _GAP
        + r"(changed|updated|modified|reset)\b"
        + r"(?:\s+\S+){0,10}?\s+"
        + r"(not me|without (my|me)|i did not|i didn t|wasn t me|was not me|permission|authori[sz]ation)",
        r"\b(wasn t me|was not me|it wasn t me)\b",
        r"\b(changed|switched|modified)\b" + _GAP + r"(i don t|i do not) (recogni[sz]e|know)\b",
        r"\b(changee?|modifiee?)s?\b" + _GAP + r"(je|j) (connais|reconnais) (pas|pu)\b",
        r"\b(bets?|wagers?|withdrawals?)\s+(that )?i (never|did not|didn t) (place|placed|make|made|"
        r"request\w*)\b",
        r"\bcode (that )?i (didn t|did not|never) (request|ask)\w*",
        # French
        r"\b(quelqu un|quelquun|qqn|une autre personne)\b"
        + _GAP
        + r"(connecte|entre|entree|acces|utilise|pris|change|modifie|vole)\w*",
        r"\bpirat\w*|\bpris le controle\b|\bvol(e|es|ee|ees|er)\b"
        + _GAP
        + r"(identifiants|mot de passe|compte)",
        r"\b(activite|connexions?|sessions?|transactions?)\s+(suspecte?s?|bizarres?|inconnue?s?|"
        r"non autorisee?s?)\b",
        r"\bacces non autorise\b",
        r"\b(mot de passe|courriel|adresse courriel|numero)\b"
        + _GAP
        + r"(ete )?(change|modifie|reinitialise)e?s?\b"
        + r"(?:\s+\S+){0,10}?\s+(sans|pas moi|c est pas moi|ce n est pas moi|autorisation)",
        r"\b(c est pas moi|c etait pas moi|ce n est pas moi|ce n etait pas moi)\b",
        r"\b(mises?|paris|retraits?)\b" + _GAP + r"(j ai|jai) jamais (faite?s?|placee?s?|demandee?s?)",
        r"\bcode (que )?(j ai|jai) (pas|jamais) demande",
    ),
)

TRANSACTION = UrgentRule(
    "transaction",
    "Critical transaction error",
    _rx(
        r"\b(charged|billed|debited)\s+(twice|two times|three times|2 times|3 times|double)\b",
        r"\b(double|duplicate|duplicated)\s+(charges?|debits?|transactions?|payments?|deposits?)\b",
        r"\b(two|2|three|3) charges of\b",
        r"\b(debited|taken|deducted|left|gone from|withdrawn from|removed from|came out of)\b"
        + _GAP
        + r"(never|not|nothing|no)\b"
        + r"(?:\s+\S+){0,8}?\s+"
        + r"(credited|added|showing|shows|appeared|went up|arrived|received|reflected)\b",
        r"\b(money|funds|balance)\b" + _GAP + r"(never|not) (credited|added)\b",
        r"\b(withdrawal|payout|cash ?out)\b"
        + _GAP
        + r"(paid|completed|sent|processed)\b"
        + _GAP
        + r"(never|not|no record|don t have|didn t)\b",
        r"\b(withdrawal|payout)\b" + _GAP + r"(disappeared|vanished|missing|gone|no longer)\b",
        r"\b(money|funds) (is|are) gone\b",
        r"\b(debited|charged|taken|deducted)\b"
        + _GAP
        + r"balance\b"
        + _GAP
        + r"(zero|0|empty|nothing|unchanged)\b",
        # French
        r"\b(debite|debitee|facture|facturee|preleve|prelevee|charge|chargee)s?\s+(deux|2|trois|3)\s+fois\b",
        r"\b(en double|deux frais|transaction double|dedoubl\w*)\b",
        r"\b(preleve|prelevee|prelevees|debite|sorti|sortie|parti|partie|pris|prise|enleve)s?\b"
        + _GAP
        + r"(jamais|pas|rien)\b"
        + r"(?:\s+\S+){0,8}?\s*"
        + r"(credite|creditee|creditees|ajoute|monte|recu|arrive|apparu)s?\b",
        r"\b(preleve|prelevee|prelevees|debite|debitee|charge)s?\b"
        + _GAP
        + r"solde\b"
        + _GAP
        + r"(zero|0|vide|rien|pas bouge)\b",
        r"\b(argent|fonds|solde)\b" + _GAP + r"(jamais|pas) (ete )?(credite|ajoute|monte)\w*",
        r"\b(retrait|paiement)\b"
        + _GAP
        + r"(paye|complete|envoye|traite)e?\b"
        + _GAP
        + r"(jamais|pas recu|l a pas|l ai pas|aucune trace)",
        r"\b(retrait|paiement)\b" + _GAP + r"(disparu|plus dans|introuvable|manquant)\b",
    ),
)

SELF_EXCLUSION = UrgentRule(
    "self_exclusion",
    "Self-exclusion or urgent request to stop gambling",
    _rx(
        r"\bself ?exclu\w*|\bauto ?exclu\w*",
        r"\b(exclude (me|myself|him|her)|be excluded|excluded from all)\b",
        r"\b(can t|cannot|can not|couldn t|unable to) (stop|control)\b",
        r"\b(must|need to|have to|got to|gotta) (stop|quit)\b",
        r"\bstop me\b|\bblock (me|him|her|his account|her account)\b",
        r"\b(gambling (problem|addiction)|addicted to gambling|gambling is out of control|out of control)\b",
        r"\bchasing (my )?losses\b",
        r"\b(lost|spent|spending)\b" + _GAP + r"(rent|savings|money i don t have|way too much|too much)\b",
        r"\b(excluez moi|m exclure|me faire exclure|etre exclue?|bloquez moi|bloquez le|bloquez la|"
        r"bloquer son compte|empechiez|m empecher|m arretiez|m arreter)\b",
        r"\b(peux|suis|suis pu|suis plus) (pas |pu |plus )?(capable d )?(arreter|controler)\b",
        r"\bcontrole (plus|pu|pas) mon jeu\b",
        r"\b(dois|faut que j|il faut que j) (arreter|arrete)\b",
        r"\b(probleme de jeu|dependance au jeu|dependance|accro au jeu|hors de controle|flamber|"
        r"cours apres mes pertes)\b",
        r"\b(perdu|depense)\b" + _GAP + r"(loyer|economies|argent que j ai pas|beaucoup trop)\b",
    ),
    unless=_rx(
        r"\bexclusion\b" + _GAP + r"(ended|ends|is over|was over|finished|expired?|expires)\b",
        r"\b(end|ends|expiry) of (my |the )?(self )?exclusion\b|\bcan i come back\b",
        r"\bexclusion\b" + _GAP + r"(terminee|finie|se termine|expiree?)\b",
        r"\bfin de (mon |ma |l )?(auto )?exclusion\b|\b(est ce que je peux|puis je) revenir\b",
        r"\bwhere can i find\b|\bou trouver\b",
    ),
)

URGENT_RULES = (SECURITY, TRANSACTION, SELF_EXCLUSION)


def urgent_reasons(folded: str) -> list[tuple[str, str, str]]:
    """(key, label, matched words) for each built-in P1 rule that matches the folded text."""
    found = []
    for rule in URGENT_RULES:
        match = rule.pattern.search(folded)
        if match is None:
            continue
        if rule.unless is not None and rule.unless.search(folded) and not _strong(folded, rule):
            continue
        found.append((rule.key, rule.label, " ".join(match.group(0).split())[:80]))
    return found


def _strong(folded: str, rule: UrgentRule) -> bool:
    """A self-exclusion request still counts when the text also says stop now / must stop."""
    return rule.key == "self_exclusion" and bool(
        re.search(
            r"\b(must stop|need to stop|immediately|right now|tout de suite|maintenant|immediatement)\b",
            folded,
        )
    )
