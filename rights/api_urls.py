"""The rights API, included under /api/v1/ by confidentiality/urls.py."""

from django.urls import path

from rights import api

urlpatterns = [
    path(
        "subject-access-requests/",
        api.SubjectAccessRequestList.as_view(),
        name="api_subject_access_requests",
    ),
    path(
        "subject-access-requests/<uuid:pk>/",
        api.SubjectAccessRequestDetail.as_view(),
        name="api_subject_access_request",
    ),
    path(
        "subject-access-requests/<uuid:pk>/export/",
        api.SubjectAccessExportView.as_view(),
        name="api_subject_access_export",
    ),
    path(
        "subject-access-requests/<uuid:pk>/answer/",
        api.SubjectAccessAnswerView.as_view(),
        name="api_subject_access_answer",
    ),
    path(
        "subject-access-requests/<uuid:pk>/correct/",
        api.SubjectAccessCorrectView.as_view(),
        name="api_subject_access_correct",
    ),
    path(
        "subject-access-requests/<uuid:pk>/restrict/",
        api.SubjectAccessRestrictView.as_view(),
        name="api_subject_access_restrict",
    ),
    path(
        "subject-access-requests/<uuid:pk>/lift/",
        api.SubjectAccessLiftView.as_view(),
        name="api_subject_access_lift",
    ),
    path(
        "subject-access-requests/<uuid:pk>/posted/",
        api.SubjectAccessPostedView.as_view(),
        name="api_subject_access_posted",
    ),
    path(
        "subject-access-requests/<uuid:pk>/send-link/",
        api.SubjectAccessSendLinkView.as_view(),
        name="api_subject_access_send_link",
    ),
]
