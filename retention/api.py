"""Retention over the API: legal holds and the forecast. The administrator only."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

import access
from confidentiality.api import StrictCharField
from retention import services
from retention.forecast import forecast_for
from retention.models import LegalHold

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInApiRequest


def _admin(request: SignedInApiRequest) -> Any:
    access.require(request.user, access.Capability.MANAGE_RETENTION)
    return request.user


class LegalHoldSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    scope = serializers.ChoiceField(choices=LegalHold.Scope.choices)
    target = serializers.UUIDField(write_only=True, help_text="The engagement's, client's or organisation's id.")
    held_id = serializers.CharField(read_only=True)
    case_reference = StrictCharField(max_length=80)
    reason = StrictCharField(max_length=300)
    placed_at = serializers.DateTimeField(read_only=True)
    released_at = serializers.DateTimeField(read_only=True, allow_null=True)
    release_reason = serializers.CharField(read_only=True)


class ReleaseSerializer(serializers.Serializer):
    release_reason = StrictCharField(max_length=300)


def _target(scope: str, pk: Any) -> Any:
    from engagements.models import Client, Engagement, Organisation

    model: Any = {"engagement": Engagement, "client": Client, "organisation": Organisation}[scope]
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise serializers.ValidationError({"target": f"No {scope} has that id."})
    return found


@extend_schema(tags=["retention"])
class LegalHoldList(APIView):
    """Legal holds, in force first. POST places one on an engagement, a client or an organisation."""

    @extend_schema(responses=LegalHoldSerializer(many=True))
    def get(self, request: SignedInApiRequest) -> Response:
        _admin(request)
        holds = LegalHold.objects.order_by("released_at", "-placed_at")[:200]
        return Response(LegalHoldSerializer(holds, many=True).data)

    @extend_schema(request=LegalHoldSerializer, responses={201: LegalHoldSerializer})
    def post(self, request: SignedInApiRequest) -> Response:
        actor = _admin(request)
        incoming = LegalHoldSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        hold = services.hold_place(
            actor=actor,
            target=_target(data["scope"], data["target"]),
            case_reference=data["case_reference"],
            reason=data["reason"],
        )
        return Response(LegalHoldSerializer(hold).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["retention"])
class LegalHoldRelease(APIView):
    """Release a hold; the next sweep deletes what is past its period unless another hold covers it."""

    @extend_schema(request=ReleaseSerializer, responses=LegalHoldSerializer)
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        actor = _admin(request)
        hold = LegalHold.objects.filter(pk=pk).first()
        if hold is None:
            raise NotFound("Not found.")
        incoming = ReleaseSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        hold = services.hold_release(actor=actor, hold=hold, reason=incoming.validated_data["release_reason"])
        return Response(LegalHoldSerializer(hold).data)


@extend_schema(tags=["retention"])
class RetentionPreview(APIView):
    """What is due for deletion as of a day, what holds keep, and what falls due in each of the next twelve months."""

    @extend_schema(
        parameters=[OpenApiParameter("as_of", str, description="YYYY-MM-DD; today by default")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: SignedInApiRequest) -> Response:
        _admin(request)
        raw = request.query_params.get("as_of")
        try:
            as_of = datetime.date.fromisoformat(raw) if raw else None
        except ValueError:
            raise serializers.ValidationError({"as_of": "Give a date as YYYY-MM-DD."}) from None
        if as_of is not None and not 1900 <= as_of.year <= 9000:
            raise serializers.ValidationError({"as_of": "Give a date between the years 1900 and 9000."})
        # Today's: the latest count (retention/forecast.py), and when it began; a dry run: now (null).
        forecast, counted_at = forecast_for(as_of)
        return Response({**forecast, "counted_at": counted_at})
