"""The retention API, included under /api/v1/ by confidentiality/urls.py."""

from django.urls import path

from retention import api

urlpatterns = [
    path("legal-holds/", api.LegalHoldList.as_view(), name="api_legal_holds"),
    path("legal-holds/<uuid:pk>/release/", api.LegalHoldRelease.as_view(), name="api_legal_hold_release"),
    path("retention/preview/", api.RetentionPreview.as_view(), name="api_retention_preview"),
]
