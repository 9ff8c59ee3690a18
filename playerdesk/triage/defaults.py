"""The rules a new desk starts with (admins edit them in the console). Phrases match whole words of the
folded text (lower case, no accents, apostrophes as spaces); patterns are regular expressions on it."""

from __future__ import annotations

# (category, language or "", kind, phrase or pattern, weight)
CATEGORY_RULES: list[tuple[str, str, str, str, float]] = [
    # account
    (
        "account",
        "",
        "pattern",
        r"\b(password|passcode|pw|log ?in|login|logged|sign ?in|signed out|credentials)\b",
        2.5,
    ),
    ("account", "", "pattern", r"\b(two factor|two step|2 ?fa|2 step|authenticat\w*|one time code)\b", 2.0),
    (
        "account",
        "",
        "pattern",
        r"\b(username|user name|locked out|account (is )?(locked|suspended|restricted|disabled|dormant))\b",
        2.5,
    ),
    ("account", "", "pattern", r"\b(hack\w*|pirat\w*|compromis\w*|taken over)\b", 2.5),
    ("account", "", "pattern", r"\b(reopen|reactivat\w*|rouvrir|reactiver)\b", 2.0),
    (
        "account",
        "fr",
        "pattern",
        r"\b(mot de passe|connexion|connecter|reconnecter|identifiants|nom d utilisateur)\b",
        2.0,
    ),
    (
        "account",
        "fr",
        "pattern",
        r"\b(verrouill\w*|compte (est )?(bloque|suspendu|restreint|inactif|desactive))\b",
        2.5,
    ),
    # payments
    ("payments", "", "pattern", r"\b(withdraw\w*|cash ?outs?|payouts?|cashier)\b", 2.0),
    (
        "payments",
        "",
        "pattern",
        r"\b(interac|e ?transfer|visa|mastercard|paypal|apple pay|bitcoin|crypto|muchbetter|e ?wallet|"
        r"debit card|credit card|bank)\b",
        1.5,
    ),
    ("payments", "", "pattern", r"\b(charged|debited|double charge|transactions?|statement)\b", 1.5),
    (
        "payments",
        "fr",
        "pattern",
        r"\b(retraits?|retirer|encaiss\w*|virements?|banque|bancaire|preleve\w*|debite\w*|factur\w*|"
        r"caisse)\b",
        2.0,
    ),
    # verification
    (
        "verification",
        "",
        "pattern",
        r"\b(kyc|verify|verified|verification|verifier|identity|identite|documents?)\b",
        2.0,
    ),
    (
        "verification",
        "",
        "pattern",
        r"\b(passport|passeport|driver s licen[cs]e|licen[cs]e pic|id card|photo id|proof of (address|"
        r"residence|identity)|selfie|face match)\b",
        2.5,
    ),
    ("verification", "", "pattern", r"\b(source of (funds|wealth)|pay stub|upload\w*)\b", 2.0),
    (
        "verification",
        "fr",
        "pattern",
        r"\b(piece d identite|permis de conduire|preuve d (adresse|identite)|preuve de (residence|"
        r"provenance)|egoportrait|televers\w*|provenance des fonds|origine de mon argent)\b",
        2.5,
    ),
    # bonus
    (
        "bonus",
        "",
        "pattern",
        r"\b(bonus\w*|promo\w*|free ?spins?|spins|wager\w*|rollover|playthrough|cashback|loyalty|"
        r"comp points|tournament|referral reward)\b",
        2.5,
    ),
    (
        "bonus",
        "fr",
        "pattern",
        r"\b(tours gratuits|tours|mises? requises?|roulement|remise en argent|points de fidelite|fidelite|"
        r"tournoi|recompense|offre de bienvenue)\b",
        2.5,
    ),
    # technical
    (
        "technical",
        "",
        "pattern",
        r"\b(error|errors|err \w+|crash\w*|froze|freez\w*|frozen|glitch\w*|bug\w*|black screen|blank|"
        r"white page|disconnect\w*|lag\w*|buffer\w*)\b",
        2.5,
    ),
    (
        "technical",
        "",
        "pattern",
        r"\b(browser|chrome|safari|firefox|ios|android|iphone|samsung|tablet|loading|won t load|"
        r"not loading|reload\w*|server)\b",
        1.5,
    ),
    (
        "technical",
        "fr",
        "pattern",
        r"\b(erreur|plant\w*|gel\w*|fige|bogue|ecran noir|page blanche|deconnect\w*|navigateur|charge pas|"
        r"recharge|en panne|serveur)\b",
        2.5,
    ),
    # responsible gambling
    (
        "responsible_gambling",
        "",
        "pattern",
        r"\b(self ?exclu\w*|auto ?exclu\w*|exclude (me|myself|him|her)|be excluded|exclusion|excluez moi|"
        r"m exclure|etre exclue?|cool(ing)? ?off|time ?out|reality check|take a break)\b",
        3.0,
    ),
    (
        "responsible_gambling",
        "",
        "pattern",
        r"\b(gambling (problem|addiction)|addict\w*|problem gambling|chasing (my )?losses|out of control|"
        r"counsell?ing)\b",
        3.0,
    ),
    (
        "responsible_gambling",
        "",
        "pattern",
        r"\b((deposit|loss|losses|session|time|weekly|daily|monthly) (limit|cap)s?|limits?)\b",
        2.0,
    ),
    (
        "responsible_gambling",
        "fr",
        "pattern",
        r"\b(limite\w*|plafond|pause|periode de reflexion|dependance|jeu compulsif|hors de controle|"
        r"pertes|arreter de jouer)\b",
        2.5,
    ),
    # general
    (
        "general",
        "",
        "pattern",
        r"\b(licen[cs]ed|regulat\w*|vip|feedback|complaint|privacy|tax\w*|rtp|payout percentage|"
        r"providers?|sportsbook|sports betting|phone number|customer service line)\b",
        2.0,
    ),
    (
        "general",
        "fr",
        "pattern",
        r"\b(licence|reglement\w*|commentaire|plainte|confidentialite|renseignements personnels|impot\w*|"
        r"revenu quebec|taux de retour|redistribution|fournisseurs?|paris sportifs|"
        r"service a la clientele)\b",
        2.0,
    ),
]

# (name, kind, pattern, threshold, window_days, category, priority)
PRIORITY_RULES: list[tuple[str, str, str, int, int, str, int]] = [
    ("Large amount (CA$1,000 or more)", "amount", "", 1000, 7, "payments", 2),
    ("Third case in a week", "repeat", "", 3, 7, "", 2),
    (
        "Complaint to a regulator or legal threat",
        "pattern",
        r"\b(lawyer|avocat|regulator|agco|igaming ontario|loto quebec|kahnawake|chargeback|small claims|"
        r"mise en demeure)\b",
        0,
        7,
        "",
        2,
    ),
]
