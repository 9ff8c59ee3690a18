from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "playerdesk.api"
    label = "api"
