"""The testimonials register over the API: the same services and the same policy as the pages.

Lists carry no text, so listing reads nothing confidential; reading one item is audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

import access
from confidentiality.api import StrictCharField
from confidentiality.pagination import CursorPage
from testimonials import services
from testimonials.models import Testimonial
from testimonials.services import TEXT_MAX_CHARS, USED_IN_MAX_CHARS

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInApiRequest


class TestimonialSummarySerializer(serializers.Serializer[Testimonial]):
    id = serializers.UUIDField(read_only=True)
    reference = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    client = serializers.UUIDField(source="client_id", read_only=True)
    used_in = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True)
    consent = serializers.UUIDField(source="consent_id", read_only=True, allow_null=True)
    consent_withdrawn_at = serializers.DateTimeField(source="consent.withdrawn_at", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    publishable_at = serializers.DateTimeField(read_only=True, allow_null=True)
    flagged_at = serializers.DateTimeField(read_only=True, allow_null=True)
    removed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class TestimonialSerializer(TestimonialSummarySerializer):
    text = serializers.CharField(read_only=True)


class TestimonialCreateSerializer(serializers.Serializer[Any]):
    client = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=Testimonial.Kind.choices)
    text = StrictCharField(max_length=TEXT_MAX_CHARS)
    used_in = StrictCharField(max_length=USED_IN_MAX_CHARS)
    consent = serializers.UUIDField(required=False, allow_null=True, help_text="The consent that allows it.")


class PublishableSerializer(serializers.Serializer[Any]):
    consent = serializers.UUIDField(
        required=False, allow_null=True, help_text="The consent that allows it; the one the item names when left out."
    )


def _consent(consent_id: Any) -> Any:
    """A consent named by id; an unknown one is refused beside the field, never a 404 (the caller
    is the administrator, who sees every consent)."""
    if consent_id is None:
        return None
    from consent.models import ConsentRecord

    consent = ConsentRecord.objects.filter(pk=consent_id).first()
    if consent is None:
        raise serializers.ValidationError({"consent": "No such consent."})
    return consent


def _read(request: SignedInApiRequest, item: Testimonial, code: int = status.HTTP_200_OK) -> Response:
    services.testimonial_read(user=request.user, item=item)
    return Response(TestimonialSerializer(item).data, status=code)


def _managed(request: SignedInApiRequest, pk: str) -> Testimonial:
    item: Testimonial = access.testimonial_get_for(request.user, pk)
    if not access.can_manage_testimonials(request.user):
        raise Http404
    return item


@extend_schema(tags=["testimonials"])
class TestimonialList(generics.ListAPIView[Testimonial]):
    """The register (the administrator) or the items about the caller (a client). The administrator
    adds a draft with POST."""

    request: SignedInApiRequest

    serializer_class = TestimonialSummarySerializer
    pagination_class = CursorPage

    def get_queryset(self) -> Any:
        user = self.request.user
        if not (access.can_manage_testimonials(user) or access.client_record_of(user) is not None):
            raise Http404
        return access.testimonials_visible_to(user).select_related("consent")

    @extend_schema(request=TestimonialCreateSerializer, responses={201: TestimonialSerializer})
    def post(self, request: SignedInApiRequest) -> Response:
        if not access.can_manage_testimonials(request.user):
            raise Http404
        incoming = TestimonialCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        client = access.clients_visible_to(request.user).filter(pk=data["client"]).first()
        if client is None:
            raise serializers.ValidationError({"client": "No such client."})
        item = services.testimonial_create(
            actor=request.user,
            client=client,
            kind=data["kind"],
            text=data["text"],
            used_in=data["used_in"],
            consent=_consent(data.get("consent")),
        )
        return _read(request, item, status.HTTP_201_CREATED)


@extend_schema(tags=["testimonials"])
class TestimonialDetail(APIView):
    """One item with its text. Reading it is audited."""

    @extend_schema(responses=TestimonialSerializer)
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        return _read(request, access.testimonial_get_for(request.user, pk))


@extend_schema(tags=["testimonials"])
class TestimonialPublishable(APIView):
    """Mark a draft publishable on the client's live consent of the right kind; refused (400) otherwise."""

    @extend_schema(request=PublishableSerializer, responses=TestimonialSerializer)
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        item = _managed(request, pk)
        incoming = PublishableSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        item = services.testimonial_mark_publishable(
            actor=request.user, item=item, consent=_consent(incoming.validated_data.get("consent"))
        )
        return _read(request, item)


@extend_schema(tags=["testimonials"])
class TestimonialRemoved(APIView):
    """The administrator confirms the item was taken down wherever it was used."""

    @extend_schema(request=None, responses=TestimonialSerializer)
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        item = services.testimonial_mark_removed(actor=request.user, item=_managed(request, pk))
        return _read(request, item)
