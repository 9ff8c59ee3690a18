from django.urls import path

from playerdesk.players import upload

urlpatterns = [
    path("<str:token>/", upload.upload, name="player-upload"),
]
