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
]
