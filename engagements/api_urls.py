"""The engagements API, included under /api/v1/ by confidentiality/urls.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from engagements import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("engagements", api.EngagementViewSet, basename="engagement")

urlpatterns = [
    path("organisations/", api.OrganisationList.as_view(), name="api_organisations"),
    path("clients/", api.ClientList.as_view(), name="api_clients"),
    path("engagements/<uuid:pk>/sessions/", api.SessionList.as_view(), name="api_sessions"),
    path("engagements/<uuid:pk>/notes/", api.NoteList.as_view(), name="api_notes"),
    path("engagements/<uuid:pk>/documents/", api.DocumentList.as_view(), name="api_documents"),
    path("sessions/<uuid:pk>/", api.SessionDetail.as_view(), name="api_session"),
    path("notes/<uuid:pk>/", api.NoteDetail.as_view(), name="api_note"),
    path("notes/<uuid:pk>/corrections/", api.NoteCorrections.as_view(), name="api_note_corrections"),
    path("documents/<uuid:pk>/download/", api.DocumentDownload.as_view(), name="api_download"),
    *router.urls,
]
