from django.urls import path

from playerdesk.triage import views

app_name = "triage"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("rules/", views.add_rule, name="add_rule"),
    path("rules/<int:pk>/toggle/", views.toggle_rule, name="toggle_rule"),
    path("rules/<int:pk>/delete/", views.delete_rule, name="delete_rule"),
    path("priority/", views.add_priority_rule, name="add_priority_rule"),
    path("priority/<int:pk>/delete/", views.delete_priority_rule, name="delete_priority_rule"),
    path("routes/", views.set_routes, name="set_routes"),
    path("teams/<int:pk>/", views.set_team, name="set_team"),
    path("agents/<int:pk>/", views.set_agent, name="set_agent"),
    path("entries/", views.add_entry, name="add_entry"),
    path("entries/<int:pk>/delete/", views.delete_entry, name="delete_entry"),
    path("train/", views.train, name="train"),
    path("cases/<str:reference>/confirm/", views.confirm, name="confirm"),
]
