from django.urls import path

from playerdesk.mail import views

app_name = "mail"
urlpatterns = [
    path("quarantine/", views.quarantine, name="quarantine"),
    path("in/<int:pk>/", views.inbound_detail, name="inbound"),
    path("in/<int:pk>/raw/", views.inbound_raw, name="inbound_raw"),
    path("in/<int:pk>/import/", views.import_anyway, name="import"),
    path("out/<int:pk>/resend/", views.resend, name="resend"),
    path("deliverable/<str:reference>/", views.mark_deliverable, name="mark_deliverable"),
]
