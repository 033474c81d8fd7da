"""The account endpoint, included under /api/v1/ by confidentiality/urls.py."""

from django.urls import path

from portal import api

urlpatterns = [
    path("me/", api.me, name="api_me"),
]
