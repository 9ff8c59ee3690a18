from django.urls import path

from playerdesk.console import signin, views

app_name = "console"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("login/", signin.ConsoleLoginView.as_view(), name="login"),
    path("login/code/", signin.login_code, name="login_code"),
    path("logout/", signin.ConsoleLogoutView.as_view(), name="logout"),
    path("account/security/", signin.security, name="security"),
    path("status/", views.set_status, name="set_status"),
    path("t/<str:reference>/", views.ticket_detail, name="ticket"),
    path("t/<str:reference>/reply/", views.ticket_reply, name="reply"),
    path("t/<str:reference>/set/<slug:field>/", views.ticket_change, name="change"),
    path("t/<str:reference>/macros/<int:macro_id>/", views.macro_render, name="macro_render"),
    path("t/<str:reference>/macros/<int:macro_id>/apply/", views.macro_apply, name="macro_apply"),
    path("mailbox/", views.mailbox, name="mailbox"),
    path("mailbox/<int:pk>/", views.mailbox_detail, name="mailbox_detail"),
]
