"""The disclosures API, included under /api/v1/ by confidentiality/urls.py."""

from django.urls import path

from disclosures import api

urlpatterns = [
    path(
        "engagements/<uuid:pk>/disclosures/",
        api.EngagementDisclosures.as_view(),
        name="api_disclosures",
    ),
    path("concerns/", api.ConcernList.as_view(), name="api_concerns"),
    path("concerns/<uuid:pk>/", api.ConcernDetail.as_view(), name="api_concern"),
    path("concerns/<uuid:pk>/step/", api.ConcernStepAction.as_view(), name="api_concern_step"),
    path("concerns/<uuid:pk>/change/", api.ConcernChange.as_view(), name="api_concern_change"),
    path("concerns/<uuid:pk>/withdraw/", api.ConcernWithdraw.as_view(), name="api_concern_withdraw"),
    path("concerns/<uuid:pk>/approve/", api.ConcernApprove.as_view(), name="api_concern_approve"),
    path("sharings/", api.SharingList.as_view(), name="api_sharings"),
    path("sharings/<uuid:pk>/", api.SharingDetail.as_view(), name="api_sharing"),
    path("sharings/<uuid:pk>/permission/", api.SharingPermissionDecide.as_view(), name="api_sharing_permission"),
    path(
        "sharings/<uuid:pk>/permission/record/",
        api.SharingPermissionRecord.as_view(),
        name="api_sharing_permission_record",
    ),
    path("sharings/<uuid:pk>/shared/", api.SharingShared.as_view(), name="api_sharing_shared"),
    path("sharings/<uuid:pk>/withdraw/", api.SharingWithdraw.as_view(), name="api_sharing_withdraw"),
]
