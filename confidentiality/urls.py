from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from confidentiality import account_views, api, complaint_api, health, views
from consent import api as consent_api
from consent import disclosure_api
from engagements import api as engagements_api
from engagements import feedback_api, feedback_views, report_api
from engagements.api import EngagementViewSet
from retention import api as retention_api
from retention import sar_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("engagements", EngagementViewSet, basename="engagement")

# The technical admin site signs in through allauth, so its sessions pass the second factor too.
admin.site.login = login_required(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Coaching practice: technical administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("notices/<int:pk>/", views.notice_open, name="notice_open"),
    path("account/", views.account_settings, name="account_settings"),
    path("account/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("account/sessions/<int:pk>/end/", account_views.session_end, name="account_session_end"),
    path("account/sessions/end-others/", account_views.sessions_end_others, name="account_sessions_end_others"),
    path("account/activity/", account_views.activity, name="account_activity"),
    path("people/", include("confidentiality.people_urls")),
    path("policies/", include("confidentiality.policy_urls")),
    path("audit/", views.audit_log, name="audit_log"),
    path("engagements/", include("engagements.urls")),
    path("retention/", include("retention.urls")),
    path("subject-access/", include("retention.sar_urls")),
    path("feedback/give/<str:token>/", feedback_views.feedback_give, name="feedback_give"),
    path("", include("consent.urls")),
    path("", include("confidentiality.complaint_urls")),
    path("finance/", include("finance.urls")),
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
    path(
        "api/v1/engagements/<uuid:pk>/feedback-requests/",
        feedback_api.FeedbackRequestList.as_view(),
        name="api_feedback_requests",
    ),
    path("api/v1/feedback/<uuid:pk>/", feedback_api.FeedbackDetail.as_view(), name="api_feedback"),
    path("api/v1/engagements/<uuid:pk>/agreement/", consent_api.CurrentAgreement.as_view(), name="api_agreement"),
    path(
        "api/v1/engagements/<uuid:pk>/agreement/sign/", consent_api.SignAgreement.as_view(), name="api_agreement_sign"
    ),
    path("api/v1/agreement-templates/", consent_api.TemplateList.as_view(), name="api_agreement_templates"),
    path("api/v1/information-categories/", consent_api.CategoryList.as_view(), name="api_categories"),
    path("api/v1/consents/", consent_api.ConsentList.as_view(), name="api_consents"),
    path("api/v1/consents/<uuid:pk>/withdraw/", consent_api.WithdrawConsent.as_view(), name="api_consent_withdraw"),
    path("api/v1/documents/<uuid:pk>/download/", engagements_api.DocumentDownload.as_view(), name="api_download"),
    path(
        "api/v1/engagements/<uuid:pk>/disclosures/",
        disclosure_api.EngagementDisclosures.as_view(),
        name="api_disclosures",
    ),
    path("api/v1/concerns/", disclosure_api.ConcernList.as_view(), name="api_concerns"),
    path("api/v1/concerns/<uuid:pk>/", disclosure_api.ConcernDetail.as_view(), name="api_concern"),
    path("api/v1/concerns/<uuid:pk>/step/", disclosure_api.ConcernStepAction.as_view(), name="api_concern_step"),
    path("api/v1/concerns/<uuid:pk>/approve/", disclosure_api.ConcernApprove.as_view(), name="api_concern_approve"),
    path("api/v1/complaints/", complaint_api.ComplaintList.as_view(), name="api_complaints"),
    path("api/v1/complaints/<uuid:pk>/", complaint_api.ComplaintDetail.as_view(), name="api_complaint"),
    path(
        "api/v1/complaints/<uuid:pk>/responses/", complaint_api.ComplaintRespond.as_view(), name="api_complaint_respond"
    ),
    path("api/v1/breaches/", complaint_api.BreachList.as_view(), name="api_breaches"),
    path("api/v1/breaches/<uuid:pk>/", complaint_api.BreachDetail.as_view(), name="api_breach"),
    path("api/v1/breaches/<uuid:pk>/confirm/", complaint_api.BreachConfirm.as_view(), name="api_breach_confirm"),
    path("api/v1/breaches/<uuid:pk>/close/", complaint_api.BreachClose.as_view(), name="api_breach_close"),
    path("api/v1/legal-holds/", retention_api.LegalHoldList.as_view(), name="api_legal_holds"),
    path(
        "api/v1/legal-holds/<uuid:pk>/release/", retention_api.LegalHoldRelease.as_view(), name="api_legal_hold_release"
    ),
    path("api/v1/retention/preview/", retention_api.RetentionPreview.as_view(), name="api_retention_preview"),
    path(
        "api/v1/subject-access-requests/",
        sar_api.SubjectAccessRequestList.as_view(),
        name="api_subject_access_requests",
    ),
    path(
        "api/v1/subject-access-requests/<uuid:pk>/",
        sar_api.SubjectAccessRequestDetail.as_view(),
        name="api_subject_access_request",
    ),
    path(
        "api/v1/subject-access-requests/<uuid:pk>/export/",
        sar_api.SubjectAccessExportView.as_view(),
        name="api_subject_access_export",
    ),
    path("api/v1/", include("finance.api_urls")),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]

handler404 = api.not_found
handler500 = "confidentiality.unavailable.server_error"
