from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from confidentiality import access
from engagements import selectors
from engagements.models import Engagement


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class EngagementSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer(read_only=True)

    class Meta:
        model = Engagement
        fields = ["id", "reference", "title", "status", "starts_on", "ends_on", "organisation", "version"]
        read_only_fields = fields


@extend_schema(tags=["engagements"])
class EngagementViewSet(viewsets.ReadOnlyModelViewSet):
    """Engagements the caller may see: metadata only. An unseen id answers 404."""

    serializer_class = EngagementSerializer

    def get_queryset(self) -> Any:
        return selectors.engagement_list_for(user=self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        engagement = selectors.engagement_get_for(user=request.user, pk=kwargs["pk"])
        return Response(self.get_serializer(engagement).data)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not (
            access.can(request.user, access.Capability.VIEW_OWN_ENGAGEMENTS)
            or access.can(request.user, access.Capability.MANAGE_PRACTICE)
        ):
            raise Http404
        return super().list(request, *args, **kwargs)
