from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "playerdesk.portal"
    label = "portal"
