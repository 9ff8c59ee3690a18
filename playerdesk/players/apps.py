from django.apps import AppConfig


class PlayersConfig(AppConfig):
    name = "playerdesk.players"
    label = "players"
