"""Triage configuration (rules, team map, entry points, assignment modes, agent capacities), the decision
taken for each case, and the trained text classifier."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from playerdesk.core.models import AgentProfile, Team
from playerdesk.tickets.models import Category, Priority, Ticket


class RuleKind(models.TextChoices):
    PHRASE = "phrase", "Phrase"
    PATTERN = "pattern", "Pattern (regular expression)"


class RuleLanguage(models.TextChoices):
    ANY = "", "Any language"
    EN = "en", "English"
    FR = "fr", "French"


class CategoryRule(models.Model):
    """A phrase or pattern that points to a category. Text is matched lower-cased and without accents."""

    category = models.CharField(max_length=24, choices=Category.choices)
    language = models.CharField(max_length=2, choices=RuleLanguage.choices, blank=True)
    kind = models.CharField(max_length=10, choices=RuleKind.choices, default=RuleKind.PHRASE)
    pattern = models.CharField(max_length=300)
    weight = models.FloatField(default=3.0, help_text="Evidence added to the category when the rule matches.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category", "language", "pattern"]

    def __str__(self) -> str:
        return f"{self.category}: {self.pattern}"


class PriorityRuleKind(models.TextChoices):
    PHRASE = "phrase", "Phrase"
    PATTERN = "pattern", "Pattern (regular expression)"
    AMOUNT = "amount", "Amount at least"
    REPEAT = "repeat", "Repeated contact"


class PriorityRule(models.Model):
    """An admin-editable priority rule. The P1 rules (security, critical transaction errors,
    self-exclusion) are built in and always apply; these add to them."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=PriorityRuleKind.choices)
    pattern = models.CharField(max_length=300, blank=True, help_text="Phrase or pattern kinds.")
    threshold = models.PositiveIntegerField(
        default=0, help_text="Amount kind: dollars; repeated contact: cases in the window."
    )
    window_days = models.PositiveSmallIntegerField(default=7, help_text="Repeated contact kind.")
    category = models.CharField(max_length=24, choices=Category.choices, blank=True)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.P2)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "name"]

    def __str__(self) -> str:
        return self.name


class TeamRoute(models.Model):
    """Which team works each category."""

    category = models.CharField(max_length=24, choices=Category.choices, unique=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")


class EntryKind(models.TextChoices):
    ADDRESS = "address", "Email address"
    WIDGET = "widget", "Chat widget"


class EntryPoint(models.Model):
    """An address or widget a case can come in through, with its language and team overrides."""

    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    key = models.CharField(max_length=254, help_text="The address (support@…) or the widget key.")
    language = models.CharField(max_length=2, choices=RuleLanguage.choices, blank=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    category = models.CharField(max_length=24, choices=Category.choices, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="triage_entry_point_once")]
        ordering = ["kind", "key"]


class AssignmentMode(models.TextChoices):
    MANUAL = "manual", "Manual"
    ROUND_ROBIN = "round_robin", "Round robin"
    LEAST_LOADED = "least_loaded", "Least loaded"


class TeamRouting(models.Model):
    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="routing")
    mode = models.CharField(max_length=20, choices=AssignmentMode.choices, default=AssignmentMode.MANUAL)
    alert_after_minutes = models.PositiveIntegerField(
        default=15, help_text="Alert supervisors when a case waits this long without an eligible agent."
    )


class AgentRouting(models.Model):
    """Routing state of an agent: capacity (open cases at once) and when they were last given a case."""

    agent = models.OneToOneField(AgentProfile, on_delete=models.CASCADE, related_name="routing")
    capacity = models.PositiveSmallIntegerField(default=8)
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    # Round robin: the agent whose last turn is the oldest goes next.
    turn = models.PositiveBigIntegerField(default=0)
    assigned_count = models.PositiveIntegerField(default=0)


class AssignmentState(models.TextChoices):
    ASSIGNED = "assigned", "Assigned"
    MANUAL = "manual", "Waiting for an agent to take it"
    WAITING = "waiting", "No eligible agent"
    UNROUTED = "unrouted", "No team"


class TriageDecision(models.Model):
    """What triage decided for a case, why, and what became of the assignment."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, primary_key=True, related_name="triage")
    language = models.CharField(max_length=2)
    language_confidence = models.FloatField(default=0)
    category = models.CharField(max_length=24, choices=Category.choices)
    category_confidence = models.FloatField(default=0)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reasons = models.JSONField(default=list)
    summary = models.CharField(max_length=255, blank=True)
    model_version = models.CharField(max_length=40, blank=True)
    state = models.CharField(max_length=10, choices=AssignmentState.choices, default=AssignmentState.MANUAL)
    state_reason = models.CharField(max_length=255, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)
    alerted_at = models.DateTimeField(null=True, blank=True)
    # The category an agent confirmed or corrected (training data for the classifier).
    confirmed_category = models.CharField(max_length=24, choices=Category.choices, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["waiting_since"], name="triage_waiting_idx", condition=Q(state="waiting")),
        ]


class TrainedModel(models.Model):
    """A category classifier trained by ``playerdesk triage train``; the newest one is used."""

    created_at = models.DateTimeField()
    examples = models.PositiveIntegerField()
    confirmed_examples = models.PositiveIntegerField(default=0)
    params = models.JSONField()
    created_by = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class TriageSettings(models.Model):
    """One row: the configuration version (a new random token at every change, so each process reloads
    its compiled copy, and a rolled-back change can never be mistaken for a later one) and the classifier
    in use (none: the seed model shipped with PlayerDesk)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.CharField(max_length=32, default="initial")
    model = models.ForeignKey(
        TrainedModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
