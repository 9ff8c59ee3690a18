from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "playerdesk.console"
    label = "console"
