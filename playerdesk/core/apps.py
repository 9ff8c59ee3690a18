from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "playerdesk.core"
    label = "core"
    verbose_name = "PlayerDesk core"
