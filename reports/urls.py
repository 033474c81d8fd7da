from django.urls import path

from reports import views

# Mounted at the site's root: the paths are those the reports had under engagements/.
app_name = "reports"
urlpatterns = [
    path("engagements/<uuid:pk>/reports/", views.report_list, name="report_list"),
    path("engagements/reports/<uuid:pk>/", views.report_detail, name="report_detail"),
    path("engagements/reports/<uuid:pk>/pdf/", views.report_pdf, name="report_pdf"),
    path("engagements/reports/<uuid:pk>/<slug:action>/", views.report_action, name="report_action"),
]
