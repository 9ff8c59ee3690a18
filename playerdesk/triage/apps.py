from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "playerdesk.triage"
    label = "triage"
    verbose_name = "Triage and routing"
