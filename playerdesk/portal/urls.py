from django.urls import path
from django.views.i18n import set_language

from playerdesk.portal import upload, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("lang/", set_language, name="set_language"),
    path("new/", views.new_case, name="new"),
    path("new/done/", views.created, name="created"),
    path("find/", views.find_case, name="find"),
    path("find/sent/", views.find_sent, name="find_sent"),
    path("case/<str:token>/", views.case, name="case"),
    path("upload/<str:token>/", upload.upload, name="upload"),  # document upload links sent to players
]
