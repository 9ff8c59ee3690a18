from django.urls import path

from playerdesk.console import player_views as views

# The player panel's actions, under /desk/players/ (their URL names keep the "players:" namespace).
app_name = "players"
urlpatterns = [
    path("t/<str:reference>/transactions/", views.transactions, name="transactions"),
    path("t/<str:reference>/link/", views.link_player, name="link"),
    path("t/<str:reference>/verify/send/", views.send_code, name="send_code"),
    path("t/<str:reference>/verify/check/", views.check_code, name="check_code"),
    path("t/<str:reference>/snapshot/", views.snapshot, name="snapshot"),
    path("t/<str:reference>/help/<slug:kind>/", views.account_help, name="account_help"),
    path("t/<str:reference>/documents/", views.request_documents, name="request_documents"),
    path(
        "t/<str:reference>/documents/<str:public_id>/cancel/", views.cancel_documents, name="cancel_documents"
    ),
]
