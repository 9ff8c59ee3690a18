from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Counter(models.Model):
    """Named monotonic counters (reference sequence on SQLite; PostgreSQL uses a native sequence)."""

    name = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


class AgentStatus(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class Team(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)
    skills = models.JSONField(default=list, blank=True, help_text="Skills an agent needs, e.g. ['payments'].")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent")
    display_name = models.CharField(max_length=80)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AGENT)
    languages = models.JSONField(default=list, blank=True, help_text="Languages the agent answers in.")
    skills = models.JSONField(default=list, blank=True)
    teams = models.ManyToManyField(Team, related_name="agents", blank=True)
    status = models.CharField(max_length=10, choices=AgentStatus.choices, default=AgentStatus.OFFLINE)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    max_concurrent_chats = models.PositiveSmallIntegerField(default=3)
    # The second factor of sign-in (``playerdesk.core.totp``): the authenticator key, sealed with the files
    # key and opened only to check a code (``totp.unseal``), not each time the profile is read; on since
    # ``totp_enabled_at`` (null: off); the last time step whose code was used (a code is good once).
    totp_secret = models.CharField(max_length=200, blank=True)
    totp_enabled_at = models.DateTimeField(null=True, blank=True)
    totp_last_step = models.BigIntegerField(default=0)
    # Keyed hashes of the recovery codes not used yet (``totp.recovery_digest``).
    totp_recovery = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_supervisor(self) -> bool:
        return self.role in {Role.SUPERVISOR, Role.ADMIN}

    @property
    def two_factor_on(self) -> bool:
        return self.totp_enabled_at is not None


class AuditLog(models.Model):
    """Who did what to which object: accesses to sensitive data and administrative changes."""

    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=120)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]
        ordering = ["-created_at"]
