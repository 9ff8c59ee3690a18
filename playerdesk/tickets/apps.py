from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "playerdesk.tickets"
    label = "tickets"
