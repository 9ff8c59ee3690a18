from django.urls import path

from playerdesk.chat import views_desk

app_name = "chatdesk"
urlpatterns = [
    path("", views_desk.chats, name="chats"),
]
