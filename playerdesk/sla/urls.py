"""Console pages of the service standards, mounted under /desk/ (before the console's own routes)."""

from django.urls import path

from playerdesk.sla import views

app_name = "sla"
urlpatterns = [
    path("admin/sla/", views.admin_index, name="admin"),
    path("admin/sla/policies/new/", views.policy_edit, name="policy_new"),
    path("admin/sla/policies/<slug:key>/", views.policy_edit, name="policy"),
    path("admin/sla/calendars/new/", views.calendar_edit, name="calendar_new"),
    path("admin/sla/calendars/<int:pk>/", views.calendar_edit, name="calendar"),
    path("admin/sla/calendars/<int:pk>/closures/", views.closure_add, name="closure_add"),
    path(
        "admin/sla/calendars/<int:pk>/closures/<int:closure_id>/remove/",
        views.closure_remove,
        name="closure_remove",
    ),
    path("admin/sla/rules/new/", views.rule_edit, name="rule_new"),
    path("admin/sla/rules/<int:pk>/", views.rule_edit, name="rule"),
    path("admin/sla/templates/<slug:kind>/<slug:language>/", views.template_edit, name="template"),
    path("reports/sla/", views.report, name="report"),
    path("reports/sla/export.csv", views.report_csv, name="report_csv"),
]
