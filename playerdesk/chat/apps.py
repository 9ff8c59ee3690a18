from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "playerdesk.chat"
    label = "chat"
    verbose_name = "Live chat"
