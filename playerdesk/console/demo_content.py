# ruff: noqa: E501 - long lines of demo text read better unbroken
"""What the demo players write and what the demo agents answer, in English and French.

Texts are written the way players write: hurried, with typos, sometimes without accents. Placeholders in
braces are filled by ``playerdesk.console.demo``: {amount} {method} {days} {game} {bonus} {spins} {bet}
{first_name} {agent} {player_id} {weekday} {limit}.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# fmt: off
FIRST_NAMES_EN = [
    "Liam", "Olivia", "Noah", "Emma", "Jack", "Charlotte", "Lucas", "Amelia", "Ethan", "Ava", "Logan",
    "Sophia", "Owen", "Harper", "Benjamin", "Chloe", "Jacob", "Mia", "Ryan", "Madison", "Tyler", "Hannah",
    "Priya", "Arjun", "Wei", "Mei", "Daniel", "Grace", "Connor", "Brooke", "Marcus", "Jasmine", "Kevin",
    "Aisha", "Nathan", "Leah", "Evan", "Megan", "Raj", "Simran",
]
LAST_NAMES_EN = [
    "Smith", "Brown", "Wilson", "MacDonald", "Taylor", "Campbell", "Anderson", "Johnston", "Thompson",
    "Stewart", "Clarke", "Robinson", "Murray", "Chen", "Li", "Singh", "Patel", "Nguyen", "Kim", "Walker",
    "Young", "Hall", "Fraser", "Reid", "Scott", "Mitchell", "Graham", "Kelly", "Morrison", "Boyd",
]
FIRST_NAMES_FR = [
    "Léa", "William", "Florence", "Thomas", "Alice", "Félix", "Rosalie", "Samuel", "Juliette", "Gabriel",
    "Béatrice", "Olivier", "Maëlle", "Mathis", "Chloé", "Antoine", "Émilie", "Jérémie", "Camille",
    "Louis", "Zoé", "Étienne", "Noémie", "Xavier", "Mélanie", "Jean-François", "Geneviève", "Sébastien",
    "Isabelle", "Marc-André",
]
LAST_NAMES_FR = [
    "Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin", "Gagné",
    "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron", "Leblanc", "Paquette", "Girard", "Simard",
    "Boucher", "Caron", "Beaulieu", "Cloutier", "Dubé", "Poirier", "Fournier", "Lapointe", "Leclerc",
]
# Reserved .example domains (RFC 2606): demo mail can never reach a real mailbox.
EMAIL_DOMAINS = [
    "gmail.example", "hotmail.example", "outlook.example", "yahoo.example", "icloud.example",
    "videotron.example", "bell.example",
    "sympatico.example", "shaw.example", "rogers.example", "telus.example", "live.example",
]
# Provinces weighted roughly by population, with the share of French-speaking players in each.
PROVINCE_WEIGHTS = [
    ("ON", 38, 0.08), ("QC", 27, 0.9), ("BC", 13, 0.02), ("AB", 11, 0.02), ("MB", 3.5, 0.04),
    ("SK", 3, 0.02), ("NS", 2.5, 0.03), ("NB", 2, 0.32), ("NL", 1.3, 0.01), ("PE", 0.4, 0.03),
    ("NT", 0.1, 0.02), ("YT", 0.1, 0.03), ("NU", 0.1, 0.0),
]
AMOUNTS = [20, 25, 40, 50, 75, 100, 120, 150, 200, 250, 300, 400, 500, 750, 1000, 1250, 2000, 3500]
METHODS_EN = ["Interac", "Interac e-Transfer", "Visa", "Mastercard", "MuchBetter", "bank transfer", "iDebit"]
METHODS_FR = ["Interac", "virement Interac", "Visa", "Mastercard", "MuchBetter", "virement bancaire", "iDebit"]
GAMES = [
    "Book of Dead", "Starburst", "Big Bass Bonanza", "Gates of Olympus", "Lightning Roulette",
    "Blackjack Live", "Sweet Bonanza", "Mega Moolah", "Wolf Gold", "Buffalo King", "Crazy Time",
    "Reactoonz",
]
BONUSES_EN = ["welcome bonus", "reload bonus", "weekend cashback", "100% match bonus", "VIP reload"]
BONUSES_FR = ["bonus de bienvenue", "bonus de recharge", "remise du week-end", "bonus 100 %", "bonus VIP"]
WEEKDAYS_EN = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS_FR = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
# fmt: on


@dataclass(frozen=True)
class Texts:
    subjects: list[str]
    bodies: list[str]
    follow_ups: list[str]
    replies: list[str]
    solved: list[str]


@dataclass(frozen=True)
class Topic:
    key: str
    category: str
    team: str
    priorities: list[int]
    tags: list[str]
    en: Texts
    fr: Texts
    notes: list[str] = field(default_factory=list)
    third_party: bool = False
    macro: str = ""
    channels: list[str] = field(default_factory=lambda: ["email", "web", "chat"])
    weight: int = 10


TOPICS: list[Topic] = [
    Topic(
        key="withdrawal_pending",
        category="payments",
        team="payments",
        priorities=[2, 2, 3, 3, 3],
        tags=["withdrawal", "interac", "pending"],
        third_party=True,
        macro="Withdrawal processing times",
        weight=16,
        notes=[
            "Withdrawal shows approved on our side, waiting on the PSP batch. Checked the payout report.",
            "Player passed KYC last month, no hold on the account. Escalated to the payments provider.",
            "Retrait approuvé chez nous, en attente du fournisseur de paiement.",
        ],
        en=Texts(
            subjects=[
                "Withdrawal still pending",
                "where is my withdrawal??",
                "Cashout pending for {days} days",
                "Interac withdrawal not received",
                "withdrawl not arrived yet",
            ],
            bodies=[
                "Hi, I requested a withdrawal of ${amount} by {method} on {weekday} and it still says pending. "
                "Its been {days} days now. Can you tell me whats going on?",
                "hello i cashed out ${amount} to {method} {days} days ago and nothing in my bank yet. your site "
                "says 24-48h. account {player_id}",
                "I won on {game} and withdrew ${amount}. The withdrawal is stuck on 'processing'. I already "
                "sent my ID last month so I dont understand why its taking so long.",
                "Good morning,\n\nMy withdrawal of ${amount} (method: {method}) has been pending since "
                "{weekday}. Could you please check and let me know when I should expect it?\n\nThanks",
            ],
            follow_ups=[
                "Still nothing in my account. Can you check again please",
                "ok thanks, I'll wait until tomorrow",
                "Got it this morning, thanks!",
            ],
            replies=[
                "Hi {first_name},\n\nThank you for your patience. Your withdrawal of ${amount} was approved on "
                "our side and has been sent to {method}. Transfers usually arrive within 1 to 2 business "
                "days. I will keep an eye on it for you.\n\n{agent}",
                "Hi {first_name},\n\nI checked your withdrawal: it is with our payment provider, who confirmed "
                "it will be released today. Please let me know if it has not arrived by tomorrow "
                "evening.\n\nBest regards,\n{agent}",
            ],
            solved=[
                "Hi {first_name},\n\nThe provider confirmed the payment was delivered. I am closing this case; "
                "just reply if anything is missing.\n\n{agent}",
            ],
        ),
        fr=Texts(
            subjects=[
                "Retrait toujours en attente",
                "mon retrait est bloqué",
                "Retrait Interac pas recu",
                "retrait en attente depuis {days} jours",
            ],
            bodies=[
                "Bonjour, j'ai demandé un retrait de {amount} $ par {method} {weekday} passé et c'est toujours "
                "en attente. Ça fait {days} jours. Pouvez-vous vérifier svp?",
                "allo jai fait un retrait de {amount}$ il y a {days} jours et toujours rien dans mon compte "
                "bancaire. Votre site dit 24 a 48h. Mon compte c'est {player_id}",
                "Bonjour,\n\nJ'ai gagné sur {game} et j'ai retiré {amount} $. Le retrait est bloqué en "
                "« traitement ». J'ai déjà envoyé mes pièces d'identité le mois dernier.\n\nMerci de me "
                "revenir rapidement.",
            ],
            follow_ups=[
                "Toujours rien recu. Pouvez-vous regarder encore svp",
                "ok merci j'attends à demain",
                "Reçu ce matin, merci beaucoup!",
            ],
            replies=[
                "Bonjour {first_name},\n\nMerci de votre patience. Votre retrait de {amount} $ a été approuvé "
                "et transmis à {method}. Les virements arrivent en général en 1 à 2 jours ouvrables. Je "
                "garde un œil sur votre dossier.\n\n{agent}",
                "Bonjour {first_name},\n\nJ'ai vérifié votre retrait : il est chez notre fournisseur de "
                "paiement, qui confirme un versement aujourd'hui. Écrivez-moi s'il n'est pas arrivé demain "
                "soir.\n\nCordialement,\n{agent}",
            ],
            solved=[
                "Bonjour {first_name},\n\nLe fournisseur confirme que le paiement a été livré. Je ferme ce "
                "dossier; répondez simplement à ce courriel si quelque chose manque.\n\n{agent}",
            ],
        ),
    ),
    Topic(
        key="deposit_not_credited",
        category="payments",
        team="payments",
        priorities=[2, 2, 2, 3],
        tags=["deposit", "missing-funds"],
        third_party=True,
        macro="Deposit not credited: details needed",
        weight=12,
        notes=[
            "Found the deposit in the PSP report with status 'pending capture'. Asked the provider to settle.",
            "No trace of this deposit on our side; the bank may have declined it. Asked the player for a "
            "statement.",
        ],
        en=Texts(
            subjects=[
                "Deposit not credited",
                "Deposited ${amount} but balance is 0",
                "money taken from my card but not in my account!!",
                "Missing deposit",
            ],
            bodies=[
                "I deposited ${amount} with {method} about an hour ago. The money left my bank account but my "
                "balance still shows 0. Please fix this asap.",
                "hi, my deposit of ${amount} didnt go through but my bank says it was charged. can someone "
                "look at it",
                "Hello, I made a {method} deposit of ${amount} on {weekday}. It was charged on my statement "
                "but never showed up in my casino balance. Player id {player_id}.",
            ],
            follow_ups=[
                "Here is the transaction number from my bank: TX{amount}0{days}7. Please hurry",
                "It shows now, thank you",
                "why is this taking so long, its my money",
            ],
            replies=[
                "Hi {first_name},\n\nSorry for the trouble. I found your {method} deposit of ${amount}: it was "
                "held by the payment provider. I have asked them to release it and it should appear in your "
                "balance within a few hours.\n\n{agent}",
                "Hi {first_name},\n\nTo trace the deposit, could you send me the date, the amount and the last "
                "four digits of the card or the Interac reference? A screenshot of the bank statement line "
                "works too.\n\nThank you,\n{agent}",
            ],
            solved=[
                "Hi {first_name},\n\nThe ${amount} deposit is now credited to your balance. Sorry again for "
                "the wait.\n\n{agent}",
            ],
        ),
        fr=Texts(
            subjects=[
                "Dépôt non crédité",
                "depot pas arrivé",
                "J'ai déposé {amount} $ mais mon solde est à 0",
            ],
            bodies=[
                "Bonjour, j'ai fait un dépôt de {amount} $ par {method} il y a une heure. L'argent est sorti de "
                "mon compte mais mon solde est toujours à zéro.",
                "allo mon depot de {amount}$ est pas rentré mais ma banque dit que c'est débité. pouvez vous "
                "regarder",
                "Bonjour,\n\nDépôt {method} de {amount} $ fait {weekday}, débité sur mon relevé mais jamais "
                "apparu dans mon solde. Mon numéro de joueur : {player_id}.",
            ],
            follow_ups=[
                "Voici le numéro de transaction de ma banque : TX{amount}0{days}7",
                "C'est arrivé, merci",
                "pourquoi c'est si long? c'est mon argent",
            ],
            replies=[
                "Bonjour {first_name},\n\nDésolé pour ce contretemps. J'ai retrouvé votre dépôt {method} de "
                "{amount} $ : il était retenu par le fournisseur de paiement. J'ai demandé sa libération, il "
                "devrait apparaître dans votre solde d'ici quelques heures.\n\n{agent}",
                "Bonjour {first_name},\n\nPour retrouver le dépôt, pourriez-vous m'envoyer la date, le "
                "montant et les quatre derniers chiffres de la carte ou la référence Interac? Une capture "
                "du relevé bancaire convient aussi.\n\nMerci,\n{agent}",
            ],
            solved=[
                "Bonjour {first_name},\n\nLe dépôt de {amount} $ est maintenant crédité. Encore désolé pour "
                "l'attente.\n\n{agent}",
            ],
        ),
    ),
    Topic(
        key="password_reset",
        category="account",
        team="account",
        priorities=[3, 3, 4],
        tags=["password", "login"],
        macro="Password reset link",
        weight=10,
        notes=["Reset email bounced last time: address had a typo, player corrected it."],
        en=Texts(
            subjects=[
                "Cant log in",
                "password reset not working",
                "Forgot my password",
                "reset link expired",
            ],
            bodies=[
                "I forgot my password and the reset email never comes. I checked my spam folder.",
                "the reset link says expired every time i click it. tried 3 times",
                "Hi, I can't log in anymore, it says wrong password but I'm sure it's right. Can you reset it?",
            ],
            follow_ups=["Still not receiving anything", "It worked, thanks", "ok got in now"],
            replies=[
                "Hi {first_name},\n\nI sent a new password reset link to the email address on your account. "
                "It is valid for 30 minutes; please check your spam folder too.\n\n{agent}",
            ],
            solved=["Glad you are back in, {first_name}! Have a good day.\n\n{agent}"],
        ),
        fr=Texts(
            subjects=[
                "Impossible de me connecter",
                "mot de passe oublié",
                "le lien de réinitialisation marche pas",
            ],
            bodies=[
                "J'ai oublié mon mot de passe et le courriel de réinitialisation n'arrive jamais. J'ai "
                "regardé dans les indésirables.",
                "le lien dit expiré a chaque fois. essayé 3 fois",
                "Bonjour, je ne peux plus me connecter, ça dit mauvais mot de passe. Pouvez-vous le "
                "réinitialiser?",
            ],
            follow_ups=["Toujours rien reçu", "Ça marche, merci", "ok c'est beau"],
            replies=[
                "Bonjour {first_name},\n\nJe vous ai envoyé un nouveau lien de réinitialisation à l'adresse "
                "de votre compte. Il est valide 30 minutes; vérifiez aussi vos courriels "
                "indésirables.\n\n{agent}",
            ],
            solved=["Content que vous ayez retrouvé l'accès, {first_name}! Bonne journée.\n\n{agent}"],
        ),
    ),
    Topic(
        key="two_factor_lost",
        category="account",
        team="account",
        priorities=[2, 3],
        tags=["2fa", "login", "security"],
        weight=6,
        notes=[
            "Identity confirmed with DOB + last deposit amount before removing 2FA.",
            "Asked for a selfie with ID before resetting the second factor (policy).",
        ],
        en=Texts(
            subjects=["Lost my phone, cant do 2FA", "2FA code not working", "New phone - authenticator gone"],
            bodies=[
                "I got a new phone and my authenticator app is gone. I can't log in without the code. Please "
                "help.",
                "the 6 digit code is always wrong. i have money in my account and cant access it",
            ],
            follow_ups=["I sent the selfie, can you check", "Thanks, I set it up again"],
            replies=[
                "Hi {first_name},\n\nFor your security, before removing two-factor authentication I need to "
                "confirm your identity. Please upload a selfie holding your ID through the link in this "
                "email.\n\n{agent}",
            ],
            solved=[
                "Hi {first_name},\n\nTwo-factor authentication has been reset. At your next login you will "
                "be asked to set it up on your new phone.\n\n{agent}",
            ],
        ),
        fr=Texts(
            subjects=["Perdu mon téléphone, plus de code 2FA", "code de vérification invalide"],
            bodies=[
                "J'ai changé de téléphone et l'application d'authentification est partie. Je ne peux plus "
                "me connecter.",
                "le code a 6 chiffres marche jamais. j'ai de l'argent dans mon compte",
            ],
            follow_ups=["J'ai envoyé le selfie, pouvez-vous vérifier", "Merci, c'est réglé"],
            replies=[
                "Bonjour {first_name},\n\nPour votre sécurité, avant de retirer la double authentification, "
                "je dois confirmer votre identité. Merci de téléverser un égoportrait avec votre pièce "
                "d'identité par le lien de ce courriel.\n\n{agent}",
            ],
            solved=[
                "Bonjour {first_name},\n\nLa double authentification a été réinitialisée. À votre prochaine "
                "connexion, vous pourrez la configurer sur votre nouveau téléphone.\n\n{agent}",
            ],
        ),
    ),
    Topic(
        key="id_rejected",
        category="verification",
        team="verification",
        priorities=[3, 3, 2],
        tags=["kyc", "document"],
        macro="Documents needed for verification",
        weight=12,
        notes=[
            "Document was a photo of a screen; asked for a photo of the physical card.",
            "Proof of address older than 3 months. Requested a recent utility bill.",
            "Nom sur la facture différent du compte (nom de jeune fille). Demandé le certificat de mariage.",
        ],
        en=Texts(
            subjects=[
                "Why was my ID rejected?",
                "Verification failed again",
                "documents rejected - what do you need",
                "KYC stuck",
            ],
            bodies=[
                "I uploaded my driver's licence twice and both times it got rejected with no reason. I want to "
                "withdraw my winnings. What is wrong with it?",
                "your system rejected my proof of address. its a hydro bill from last month, in my name.",
                "Hello, my account says verification required and my documents were rejected. I sent a "
                "passport photo, clear, not expired. Please advise.",
            ],
            follow_ups=["I uploaded a new photo just now", "ok here is a bank statement instead", "Thanks!"],
            replies=[
                "Hi {first_name},\n\nThanks for sending your documents. The photo was cut off at the edges, so "
                "we could not read the expiry date. Please upload a new photo showing all four corners of the "
                "card, in good light.\n\n{agent}",
                "Hi {first_name},\n\nThe proof of address must be dated within the last 3 months and show "
                "your full name and address. A bank statement or a utility bill works.\n\n{agent}",
            ],
            solved=[
                "Hi {first_name},\n\nGood news: your account is now verified and withdrawals are "
                "available.\n\n{agent}",
            ],
        ),
        fr=Texts(
            subjects=[
                "Pourquoi ma pièce d'identité est refusée?",
                "verification refusee encore",
                "documents refusés",
            ],
            bodies=[
                "J'ai envoyé mon permis de conduire deux fois et il est refusé sans raison. Je veux retirer "
                "mes gains. C'est quoi le problème?",
                "votre systeme a refusé ma preuve d'adresse. c'est une facture d'hydro du mois passé a mon nom",
                "Bonjour, mon compte indique « vérification requise » et mes documents ont été refusés. "
                "Passeport valide, photo claire. Merci de m'expliquer.",
            ],
            follow_ups=[
                "Je viens d'envoyer une nouvelle photo",
                "voici un relevé bancaire a la place",
                "Merci!",
            ],
            replies=[
                "Bonjour {first_name},\n\nMerci pour vos documents. La photo était coupée sur les bords et la "
                "date d'expiration n'était pas lisible. Merci d'envoyer une nouvelle photo montrant les quatre "
                "coins de la carte, bien éclairée.\n\n{agent}",
                "Bonjour {first_name},\n\nLa preuve d'adresse doit dater de moins de 3 mois et indiquer "
                "votre nom complet et votre adresse. Un relevé bancaire ou une facture de services "
                "convient.\n\n{agent}",
            ],
            solved=[
                "Bonjour {first_name},\n\nBonne nouvelle : votre compte est vérifié et les retraits sont "
                "possibles.\n\n{agent}",
            ],
        ),
    ),
    Topic(
        key="bonus_wagering",
        category="bonus",
        team="general",
        priorities=[4, 4, 3],
        tags=["bonus", "wagering"],
        macro="Bonus wagering explained",
        weight=9,
        en=Texts(
            subjects=[
                "Bonus wagering question",
                "How much do I still need to wager?",
                "cant withdraw because of bonus??",
            ],
            bodies=[
                "I took the {bonus} and now I can't withdraw. How much more do I have to wager? The progress "
                "bar doesnt make sense.",
                "Do table games count for the wagering on the {bonus}? I played blackjack all night and the "
                "counter barely moved",
                "hi i have ${amount} balance but it says bonus funds locked. what does 35x mean exactly",
            ],
            follow_ups=[
                "ok so slots count 100%?",
                "Thanks for explaining",
                "that's not what the promo page says",
            ],
            replies=[
                "Hi {first_name},\n\nThe {bonus} has a 35x wagering requirement on the bonus amount. Slots "
                "count 100%, table games 10% and live casino 5%. You can see the remaining amount under My "
                "Account > Bonuses.\n\n{agent}",
            ],
            solved=["You're welcome, {first_name}. Good luck!\n\n{agent}"],
        ),
        fr=Texts(
            subjects=[
                "Question sur les mises du bonus",
                "combien il me reste a miser?",
                "bonus bloque mon retrait",
            ],
            bodies=[
                "J'ai pris le {bonus} et je ne peux plus retirer. Combien dois-je encore miser? La barre de "
                "progression est pas claire.",
                "est ce que le blackjack compte pour les mises du {bonus}? j'ai joué toute la soirée et le "
                "compteur bouge presque pas",
            ],
            follow_ups=["ok donc les machines a sous comptent a 100 %?", "Merci pour l'explication"],
            replies=[
                "Bonjour {first_name},\n\nLe {bonus} doit être misé 35 fois (montant du bonus). Les machines à "
                "sous comptent à 100 %, les jeux de table à 10 % et le casino en direct à 5 %. Le montant "
                "restant est affiché sous Mon compte > Bonus.\n\n{agent}",
            ],
            solved=["Avec plaisir, {first_name}. Bonne chance!\n\n{agent}"],
        ),
    ),
    Topic(
        key="free_spins_missing",
        category="bonus",
        team="general",
        priorities=[3, 4],
        tags=["free-spins", "promotion"],
        weight=8,
        notes=["Promo was capped at one claim per household; spins went to the first account."],
        en=Texts(
            subjects=["Free spins missing", "didnt get my {spins} free spins", "Where are my free spins?"],
            bodies=[
                "I opted in for the {spins} free spins on {game} and deposited ${amount} like the email said "
                "but no spins",
                "Hello, the promo said {spins} free spins after a deposit of $20 or more. I deposited "
                "${amount} yesterday and got nothing.",
            ],
            follow_ups=["Got them now, thank you", "still nothing..."],
            replies=[
                "Hi {first_name},\n\nThanks for letting us know. I have credited the {spins} free spins on "
                "{game} to your account manually; they are valid for 7 days.\n\n{agent}",
            ],
            solved=["Enjoy the spins, {first_name}!\n\n{agent}"],
        ),
        fr=Texts(
            subjects=["Tours gratuits manquants", "pas reçu mes {spins} tours gratuits"],
            bodies=[
                "Je me suis inscrit à la promo de {spins} tours gratuits sur {game} et j'ai déposé {amount} $ "
                "comme dans le courriel mais rien",
                "Bonjour, la promo disait {spins} tours gratuits après un dépôt de 20 $. J'ai déposé "
                "{amount} $ hier et je n'ai rien reçu.",
            ],
            follow_ups=["Reçu, merci", "toujours rien..."],
            replies=[
                "Bonjour {first_name},\n\nMerci de nous l'avoir signalé. J'ai crédité manuellement les {spins} "
                "tours gratuits sur {game}; ils sont valides 7 jours.\n\n{agent}",
            ],
            solved=["Bons tours, {first_name}!\n\n{agent}"],
        ),
    ),
    Topic(
        key="game_froze",
        category="technical",
        team="technical",
        priorities=[2, 2, 3],
        tags=["game-round", "provider"],
        third_party=True,
        weight=9,
        notes=[
            "Round id found in the provider back office: round completed, win credited 2 min after the "
            "disconnect.",
            "Opened a ticket with the game provider with the round id and the player's session id.",
        ],
        en=Texts(
            subjects=[
                "Game froze mid-round",
                "{game} crashed during bonus round!!",
                "lost my bet when the game froze",
            ],
            bodies=[
                "I was playing {game}, bet ${bet}, and the game froze in the middle of the bonus round. When I "
                "reloaded my balance was lower and the round was gone.",
                "game crashed while the free spins were going. i was on like 40x my bet. i want my win",
                "Hello, {game} stopped responding on my phone during a spin. Is the round lost? Bet was "
                "${bet}.",
            ],
            follow_ups=["So do I get the win or not?", "I see the money now, thanks", "ok waiting"],
            replies=[
                "Hi {first_name},\n\nI asked the game provider for the details of this round. Rounds are "
                "always completed on their server, even after a disconnect, so any win will be credited. I "
                "will update you as soon as they answer.\n\n{agent}",
            ],
            solved=[
                "Hi {first_name},\n\nThe provider confirmed the round completed and the win was credited to "
                "your balance. You can see it in your game history.\n\n{agent}",
            ],
        ),
        fr=Texts(
            subjects=[
                "Jeu figé pendant une partie",
                "{game} a planté pendant le bonus",
                "mise perdue jeu gelé",
            ],
            bodies=[
                "Je jouais à {game}, mise de {bet} $, et le jeu a figé au milieu du tour bonus. Quand j'ai "
                "rechargé, mon solde était plus bas et la partie avait disparu.",
                "le jeu a planté pendant les tours gratuits. j'etais a 40x ma mise. je veux mes gains",
            ],
            follow_ups=["Alors j'ai mes gains ou pas?", "Je vois l'argent, merci", "ok j'attends"],
            replies=[
                "Bonjour {first_name},\n\nJ'ai demandé au fournisseur du jeu les détails de cette partie. Les "
                "parties sont toujours terminées sur leur serveur, même après une déconnexion; un gain sera "
                "donc crédité. Je vous reviens dès qu'ils répondent.\n\n{agent}",
            ],
            solved=[
                "Bonjour {first_name},\n\nLe fournisseur confirme que la partie s'est terminée et que le gain "
                "a été crédité. Vous le verrez dans votre historique de jeu.\n\n{agent}",
            ],
        ),
    ),
    Topic(
        key="self_exclusion",
        category="responsible_gambling",
        team="responsible-gambling",
        priorities=[1, 1, 2],
        tags=["self-exclusion", "rg"],
        macro="Self-exclusion confirmed",
        channels=["email", "chat", "web"],
        weight=5,
        notes=[
            "Self-exclusion applied for 6 months. Marketing opt-out confirmed. Balance refunded.",
            "Player sounded distressed in chat; shared ConnexOntario and Jeu : aide et référence numbers.",
        ],
        en=Texts(
            subjects=["Please close my account", "Self-exclusion request", "i need to stop gambling"],
            bodies=[
                "I want to self exclude for at least 6 months. I've been losing too much and I need to "
                "stop. Please do it today.",
                "Please block my account permanently. Dont send me any more promotions.",
            ],
            follow_ups=["Thank you.", "Can you confirm the promotions are stopped too?"],
            replies=[
                "Hi {first_name},\n\nThank you for reaching out; this is an important step. Your account is "
                "now self-excluded for 6 months: you cannot log in or deposit, and all marketing is stopped. "
                "If you would like to talk to someone, ConnexOntario (1-866-531-2600) is free and open "
                "24/7.\n\n{agent}",
            ],
            solved=["Take care, {first_name}.\n\n{agent}"],
        ),
        fr=Texts(
            subjects=["Fermez mon compte svp", "Demande d'autoexclusion", "je dois arrêter de jouer"],
            bodies=[
                "Je veux m'autoexclure pour au moins 6 mois. Je perds trop et je dois arrêter. Faites-le "
                "aujourd'hui svp.",
                "Bloquez mon compte pour de bon. Envoyez moi plus de promotions.",
            ],
            follow_ups=["Merci.", "Pouvez-vous confirmer que les promotions sont arrêtées aussi?"],
            replies=[
                "Bonjour {first_name},\n\nMerci de nous avoir écrit; c'est une démarche importante. Votre "
                "compte est maintenant autoexclu pour 6 mois : connexion et dépôts sont bloqués et aucune "
                "promotion ne vous sera envoyée. Si vous souhaitez en parler, Jeu : aide et référence "
                "(1 800 461-0140) est gratuit et ouvert 24 h sur 24.\n\n{agent}",
            ],
            solved=["Prenez soin de vous, {first_name}.\n\n{agent}"],
        ),
    ),
    Topic(
        key="deposit_limit",
        category="responsible_gambling",
        team="responsible-gambling",
        priorities=[2, 3],
        tags=["deposit-limit", "rg"],
        weight=6,
        notes=["Limit increase requested: cooling-off period of 24 h applies (policy RG-4)."],
        en=Texts(
            subjects=["Change my deposit limit", "lower my weekly limit", "Deposit limit increase"],
            bodies=[
                "Can you lower my weekly deposit limit to ${limit}? I can't find where to change it in the "
                "app.",
                "I want to raise my monthly deposit limit, it's too low since I got a raise. Current limit is "
                "${limit}.",
            ],
            follow_ups=["Why do I have to wait 24 hours?", "ok thanks"],
            replies=[
                "Hi {first_name},\n\nDone: your weekly deposit limit is now ${limit}, effective "
                "immediately. Decreases apply right away; increases take effect after a 24-hour "
                "cooling-off period.\n\n{agent}",
            ],
            solved=["You're all set, {first_name}.\n\n{agent}"],
        ),
        fr=Texts(
            subjects=["Modifier ma limite de dépôt", "baisser ma limite hebdo"],
            bodies=[
                "Pouvez-vous baisser ma limite de dépôt hebdomadaire à {limit} $? Je trouve pas où le faire "
                "dans l'appli.",
                "Je veux augmenter ma limite mensuelle, elle est à {limit} $.",
            ],
            follow_ups=["Pourquoi je dois attendre 24 heures?", "ok merci"],
            replies=[
                "Bonjour {first_name},\n\nC'est fait : votre limite de dépôt hebdomadaire est maintenant de "
                "{limit} $, en vigueur immédiatement. Une baisse s'applique tout de suite; une hausse après "
                "un délai de réflexion de 24 heures.\n\n{agent}",
            ],
            solved=["C'est réglé, {first_name}.\n\n{agent}"],
        ),
    ),
    Topic(
        key="account_locked",
        category="account",
        team="account",
        priorities=[2, 3],
        tags=["locked", "login"],
        weight=6,
        notes=["Account locked after 5 failed logins from a new device. Unlocked after security questions."],
        en=Texts(
            subjects=["Account locked", "my account is blocked??", "Why is my account suspended"],
            bodies=[
                "I got a message saying my account is locked for security reasons. I didn't do anything. "
                "What happened?",
                "cant login, says account suspended contact support. i have ${amount} in there",
            ],
            follow_ups=["Yes that was me on my new laptop", "I can log in now"],
            replies=[
                "Hi {first_name},\n\nYour account was locked after several failed login attempts from a new "
                "device. Can you confirm it was you? Once confirmed I will unlock it right away.\n\n{agent}",
            ],
            solved=["Your account is unlocked, {first_name}. Have a good day.\n\n{agent}"],
        ),
        fr=Texts(
            subjects=["Compte bloqué", "mon compte est suspendu??"],
            bodies=[
                "J'ai reçu un message disant que mon compte est bloqué pour raison de sécurité. J'ai rien "
                "fait. Qu'est-ce qui se passe?",
                "je peux pas me connecter, ça dit compte suspendu contactez le support. j'ai {amount} $ dedans",
            ],
            follow_ups=["Oui c'était moi sur mon nouvel ordi", "Ça marche maintenant"],
            replies=[
                "Bonjour {first_name},\n\nVotre compte a été bloqué après plusieurs tentatives de connexion "
                "échouées depuis un nouvel appareil. Pouvez-vous confirmer que c'était vous? Je le débloque "
                "dès votre confirmation.\n\n{agent}",
            ],
            solved=["Votre compte est débloqué, {first_name}. Bonne journée.\n\n{agent}"],
        ),
    ),
    Topic(
        key="general_question",
        category="general",
        team="general",
        priorities=[4, 4, 3],
        tags=["question"],
        weight=6,
        en=Texts(
            subjects=["Question about payouts", "How do I change my email?", "unsubscribe from sms", "Hi"],
            bodies=[
                "How long do withdrawals take with Interac usually? Just want to know before I deposit.",
                "I changed my email address, how do I update it on my account?",
                "please stop the text messages. i already unsubscribed from emails",
            ],
            follow_ups=["Perfect, thanks"],
            replies=[
                "Hi {first_name},\n\nThanks for your message. Interac withdrawals usually arrive within 24 "
                "hours once approved. To change your email or your SMS preferences, go to My Account > "
                "Settings; I have already updated your SMS preference for you.\n\n{agent}",
            ],
            solved=["Happy to help, {first_name}.\n\n{agent}"],
        ),
        fr=Texts(
            subjects=["Question sur les retraits", "Changer mon courriel", "arreter les textos"],
            bodies=[
                "Combien de temps prend un retrait Interac d'habitude? Je veux savoir avant de déposer.",
                "J'ai changé d'adresse courriel, comment la mettre à jour dans mon compte?",
                "svp arretez les textos. je me suis déjà désabonné des courriels",
            ],
            follow_ups=["Parfait, merci"],
            replies=[
                "Bonjour {first_name},\n\nMerci pour votre message. Un retrait Interac arrive en général en "
                "24 heures une fois approuvé. Pour modifier votre courriel ou vos préférences de textos, "
                "allez dans Mon compte > Paramètres; j'ai déjà mis à jour vos préférences de textos.\n\n"
                "{agent}",
            ],
            solved=["Au plaisir, {first_name}.\n\n{agent}"],
        ),
    ),
]

MACROS: list[dict[str, Any]] = [
    {
        "name": "Withdrawal processing times",
        "team": "payments",
        "set_status": "waiting_player",
        "add_tags": ["withdrawal"],
        "body_en": "Hi {{ first_name }},\n\nThank you for contacting us about your withdrawal (case "
        "{{ reference }}). Withdrawals are reviewed within 24 hours, then Interac transfers arrive within 1 "
        "business day and card refunds within 3 to 5 business days. We will let you know as soon as it is "
        "sent.\n\n{{ agent_name }}",
        "body_fr": "Bonjour {{ first_name }},\n\nMerci de nous avoir écrit au sujet de votre retrait (dossier "
        "{{ reference }}). Les retraits sont vérifiés en 24 heures; un virement Interac arrive ensuite en 1 "
        "jour ouvrable et un remboursement sur carte en 3 à 5 jours ouvrables. Nous vous aviserons dès "
        "l'envoi.\n\n{{ agent_name }}",
    },
    {
        "name": "Deposit not credited: details needed",
        "team": "payments",
        "set_status": "waiting_player",
        "add_tags": ["deposit"],
        "body_en": "Hi {{ first_name }},\n\nSorry your deposit has not shown up yet. To trace it, please reply "
        "with the date, the amount and the last four digits of the card (or the Interac reference).\n\n"
        "{{ agent_name }}",
        "body_fr": "Bonjour {{ first_name }},\n\nDésolé, votre dépôt n'apparaît pas encore. Pour le retrouver, "
        "répondez-nous avec la date, le montant et les quatre derniers chiffres de la carte (ou la "
        "référence Interac).\n\n{{ agent_name }}",
    },
    {
        "name": "Password reset link",
        "team": "account",
        "set_status": "solved",
        "add_tags": ["password"],
        "body_en": "Hi {{ first_name }},\n\nI have sent a new password reset link to the email address on your "
        "account. It is valid for 30 minutes. If it does not arrive, check your spam folder and reply to "
        "this message.\n\n{{ agent_name }}",
        "body_fr": "Bonjour {{ first_name }},\n\nJe vous ai envoyé un nouveau lien de réinitialisation du mot "
        "de passe à l'adresse de votre compte. Il est valide 30 minutes. S'il n'arrive pas, vérifiez vos "
        "courriels indésirables et répondez à ce message.\n\n{{ agent_name }}",
    },
    {
        "name": "Documents needed for verification",
        "team": "verification",
        "set_status": "waiting_player",
        "add_tags": ["kyc"],
        "body_en": "Hi {{ first_name }},\n\nTo complete the verification of your account we need: a photo of a "
        "valid government ID (all four corners visible) and a proof of address dated within the last 3 "
        "months. You can upload them from the link in this email.\n\n{{ agent_name }}",
        "body_fr": "Bonjour {{ first_name }},\n\nPour terminer la vérification de votre compte, il nous faut : "
        "une photo d'une pièce d'identité gouvernementale valide (les quatre coins visibles) et une preuve "
        "d'adresse de moins de 3 mois. Vous pouvez les téléverser par le lien de ce courriel.\n\n"
        "{{ agent_name }}",
    },
    {
        "name": "Bonus wagering explained",
        "team": "general",
        "set_status": "solved",
        "add_tags": ["bonus"],
        "body_en": "Hi {{ first_name }},\n\nBonus funds must be wagered 35 times before they can be withdrawn. "
        "Slots count 100%, table games 10% and live casino 5%. The remaining amount is shown under My "
        "Account > Bonuses.\n\n{{ agent_name }}",
        "body_fr": "Bonjour {{ first_name }},\n\nLes fonds bonus doivent être misés 35 fois avant de pouvoir "
        "être retirés. Les machines à sous comptent à 100 %, les jeux de table à 10 % et le casino en "
        "direct à 5 %. Le montant restant est affiché sous Mon compte > Bonus.\n\n{{ agent_name }}",
    },
    {
        "name": "Self-exclusion confirmed",
        "team": "responsible-gambling",
        "set_status": "solved",
        "add_tags": ["self-exclusion"],
        "body_en": "Hi {{ first_name }},\n\nYour self-exclusion is now active: you cannot log in or deposit "
        "and you will receive no marketing. Any remaining balance is being returned to your last payment "
        "method. Free and confidential help is available 24/7 at ConnexOntario, 1-866-531-2600.\n\n"
        "{{ agent_name }}",
        "body_fr": "Bonjour {{ first_name }},\n\nVotre autoexclusion est maintenant active : connexion et "
        "dépôts sont bloqués et vous ne recevrez aucune promotion. Le solde restant est remboursé sur votre "
        "dernier moyen de paiement. De l'aide gratuite et confidentielle est offerte 24 h sur 24 par Jeu : "
        "aide et référence, au 1 800 461-0140.\n\n{{ agent_name }}",
    },
    {
        "name": "Waiting on the game provider",
        "team": "technical",
        "set_status": "waiting_third_party",
        "add_tags": ["provider"],
        "body_en": "Hi {{ first_name }},\n\nWe have sent the details of this game round to the game provider. "
        "Rounds always complete on their server, so nothing is lost. We will update you on case "
        "{{ reference }} as soon as they answer.\n\n{{ agent_name }}",
        "body_fr": "Bonjour {{ first_name }},\n\nNous avons transmis les détails de cette partie au "
        "fournisseur du jeu. Les parties se terminent toujours sur leur serveur : rien n'est perdu. Nous "
        "vous tiendrons au courant dans le dossier {{ reference }} dès leur réponse.\n\n{{ agent_name }}",
    },
]
