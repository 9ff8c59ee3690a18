from django.apps import AppConfig


class AccountHelpConfig(AppConfig):
    name = "playerdesk.accounthelp"
    label = "accounthelp"
    verbose_name = "Account help"
