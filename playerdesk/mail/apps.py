from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "playerdesk.mail"
    label = "mail"
