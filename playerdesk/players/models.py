from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

PROVINCES = [
    ("AB", "Alberta"),
    ("BC", "British Columbia"),
    ("MB", "Manitoba"),
    ("NB", "New Brunswick"),
    ("NL", "Newfoundland and Labrador"),
    ("NS", "Nova Scotia"),
    ("NT", "Northwest Territories"),
    ("NU", "Nunavut"),
    ("ON", "Ontario"),
    ("PE", "Prince Edward Island"),
    ("QC", "Québec"),
    ("SK", "Saskatchewan"),
    ("YT", "Yukon"),
]


class Language(models.TextChoices):
    EN = "en", "English"
    FR = "fr", "Français"


class Player(models.Model):
    """Mirror of a player account of the operator's platform (the operator stays the source of truth)."""

    external_id = models.CharField(max_length=64, unique=True)
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80, blank=True)
    email = models.EmailField(max_length=254, db_index=True)
    locale = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    province = models.CharField(max_length=2, choices=PROVINCES, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("player")

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
