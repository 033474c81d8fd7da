"""The feedback API, included under /api/v1/ by confidentiality/urls.py."""

from django.urls import path

from feedback import api

urlpatterns = [
    path(
        "engagements/<uuid:pk>/feedback-requests/",
        api.FeedbackRequestList.as_view(),
        name="api_feedback_requests",
    ),
    path("feedback/<uuid:pk>/", api.FeedbackDetail.as_view(), name="api_feedback"),
    path(
        "engagements/<uuid:pk>/unsolicited-feedback/",
        api.UnsolicitedFeedbackList.as_view(),
        name="api_unsolicited_feedback_list",
    ),
    path("unsolicited-feedback/<uuid:pk>/", api.UnsolicitedFeedbackDetail.as_view(), name="api_unsolicited_feedback"),
    path(
        "unsolicited-feedback/<uuid:pk>/share/",
        api.UnsolicitedFeedbackShare.as_view(),
        name="api_unsolicited_feedback_share",
    ),
]
