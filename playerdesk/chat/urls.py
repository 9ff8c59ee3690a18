from django.urls import path

from playerdesk.chat import views

app_name = "chat"
urlpatterns = [
    path("widget.js", views.widget_js, name="widget_js"),
    path("widget.css", views.widget_css, name="widget_css"),
    path("lp/send/", views.lp_send, name="lp_send"),
    path("lp/poll/", views.lp_poll, name="lp_poll"),
    path("upload/", views.upload, name="upload"),
]
