from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "playerdesk.sla"
    label = "sla"
    verbose_name = "Service standards"
