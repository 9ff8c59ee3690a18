from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "playerdesk.intake"
    label = "intake"
    verbose_name = "Intake"
