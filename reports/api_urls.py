"""The reports API, included under /api/v1/ by confidentiality/urls.py."""

from django.urls import path

from reports import api

urlpatterns = [
    path("engagements/<uuid:pk>/reports/", api.ReportList.as_view(), name="api_reports"),
    path("reports/<uuid:pk>/", api.ReportDetail.as_view(), name="api_report"),
    path("reports/<uuid:pk>/submit/", api.ReportSubmit.as_view(), name="api_report_submit"),
    path("reports/<uuid:pk>/approve/", api.ReportApprove.as_view(), name="api_report_approve"),
    path(
        "reports/<uuid:pk>/request-changes/",
        api.ReportRequestChanges.as_view(),
        name="api_report_request_changes",
    ),
    path("reports/<uuid:pk>/release/", api.ReportRelease.as_view(), name="api_report_release"),
]
