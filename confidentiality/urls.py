from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from confidentiality import api, health, views
from consent import api as consent_api
from engagements import api as engagements_api
from engagements import report_api
from engagements.api import EngagementViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("engagements", EngagementViewSet, basename="engagement")

# The technical admin site signs in through allauth, so its sessions pass the second factor too.
admin.site.login = login_required(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Coaching practice: technical administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("account/", views.account_settings, name="account_settings"),
    path("account/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("audit/", views.audit_log, name="audit_log"),
    path("engagements/", include("engagements.urls")),
    path("", include("consent.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/me/", api.me, name="api_me"),
    path("api/v1/organisations/", engagements_api.OrganisationList.as_view(), name="api_organisations"),
    path("api/v1/clients/", engagements_api.ClientList.as_view(), name="api_clients"),
    path("api/v1/engagements/<uuid:pk>/sessions/", engagements_api.SessionList.as_view(), name="api_sessions"),
    path("api/v1/engagements/<uuid:pk>/notes/", engagements_api.NoteList.as_view(), name="api_notes"),
    path("api/v1/engagements/<uuid:pk>/documents/", engagements_api.DocumentList.as_view(), name="api_documents"),
    path("api/v1/notes/<uuid:pk>/", engagements_api.NoteDetail.as_view(), name="api_note"),
    path("api/v1/engagements/<uuid:pk>/reports/", report_api.ReportList.as_view(), name="api_reports"),
    path("api/v1/reports/<uuid:pk>/", report_api.ReportDetail.as_view(), name="api_report"),
    path("api/v1/reports/<uuid:pk>/submit/", report_api.ReportSubmit.as_view(), name="api_report_submit"),
    path("api/v1/reports/<uuid:pk>/approve/", report_api.ReportApprove.as_view(), name="api_report_approve"),
    path(
        "api/v1/reports/<uuid:pk>/request-changes/",
        report_api.ReportRequestChanges.as_view(),
        name="api_report_request_changes",
    ),
    path("api/v1/reports/<uuid:pk>/release/", report_api.ReportRelease.as_view(), name="api_report_release"),
    path("api/v1/engagements/<uuid:pk>/agreement/", consent_api.CurrentAgreement.as_view(), name="api_agreement"),
    path(
        "api/v1/engagements/<uuid:pk>/agreement/sign/", consent_api.SignAgreement.as_view(), name="api_agreement_sign"
    ),
    path("api/v1/agreement-templates/", consent_api.TemplateList.as_view(), name="api_agreement_templates"),
    path("api/v1/information-categories/", consent_api.CategoryList.as_view(), name="api_categories"),
    path("api/v1/consents/", consent_api.ConsentList.as_view(), name="api_consents"),
    path("api/v1/consents/<uuid:pk>/withdraw/", consent_api.WithdrawConsent.as_view(), name="api_consent_withdraw"),
    path("api/v1/documents/<uuid:pk>/download/", engagements_api.DocumentDownload.as_view(), name="api_download"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]
