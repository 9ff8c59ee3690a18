"""How a case looks to the player: plain-language status and category names (English and French)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from playerdesk.tickets.models import Category, Status

# The order here is the order of the "Open a case" form.
CATEGORY_CHOICES: list[tuple[str, Promise]] = [
    (Category.ACCOUNT, pgettext_lazy("case category", "Account")),
    (Category.PAYMENTS, pgettext_lazy("case category", "Payments")),
    (Category.VERIFICATION, pgettext_lazy("case category", "Verification (ID documents)")),
    (Category.BONUS, pgettext_lazy("case category", "Bonuses & promotions")),
    (Category.TECHNICAL, pgettext_lazy("case category", "Technical problem")),
    (Category.RESPONSIBLE_GAMBLING, pgettext_lazy("case category", "Responsible gambling")),
    (Category.GENERAL, pgettext_lazy("case category", "Other")),
]
CATEGORY_LABELS: dict[str, Promise] = dict(CATEGORY_CHOICES)

# What each status means to the player, and a sentence that tells them what happens next.
STATUS_LABELS: dict[str, Promise] = {
    Status.NEW: pgettext_lazy("case status", "Received"),
    Status.OPEN: pgettext_lazy("case status", "In progress"),
    Status.WAITING_PLAYER: pgettext_lazy("case status", "Waiting for your reply"),
    Status.WAITING_THIRD_PARTY: pgettext_lazy("case status", "In progress"),
    Status.SOLVED: pgettext_lazy("case status", "Solved"),
    Status.CLOSED: pgettext_lazy("case status", "Closed"),
}
STATUS_HINTS: dict[str, Promise] = {
    Status.NEW: _("Your request is in our queue. An agent will answer you soon."),
    Status.OPEN: _("An agent is working on your request."),
    Status.WAITING_PLAYER: _("We replied and need an answer from you to continue."),
    Status.WAITING_THIRD_PARTY: _(
        "We are checking with a partner (for example a payment provider) and will update you."
    ),
    Status.SOLVED: _("We consider this request solved. Write to us below if you still need help."),
    Status.CLOSED: _("This case is closed. If you write below, we will open a new case for you."),
}
# Tone of the status badge (a CSS modifier).
STATUS_TONES: dict[str, str] = {
    Status.NEW: "info",
    Status.OPEN: "info",
    Status.WAITING_PLAYER: "action",
    Status.WAITING_THIRD_PARTY: "info",
    Status.SOLVED: "done",
    Status.CLOSED: "muted",
}


def status_label(status: str) -> Promise:
    return STATUS_LABELS.get(status, STATUS_LABELS[Status.OPEN])


def category_label(category: str) -> Promise:
    return CATEGORY_LABELS.get(category, CATEGORY_LABELS[Category.GENERAL])
