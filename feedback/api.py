"""Feedback from others over the API: the same policy and the same client view as the pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

import access
from confidentiality.api import StrictCharField
from confidentiality.audit import audit_engagement_event
from confidentiality.crypto import load_data_keys
from engagements.services import ConflictError
from feedback import services as feedback_services
from feedback.models import FeedbackRequest, FeedbackSourceCategory, UnsolicitedFeedback, UnsolicitedSourceCategory

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInApiRequest


class SourceInSerializer(serializers.Serializer[Any]):
    email = StrictCharField(max_length=254)
    name = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


class FeedbackCreateSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=FeedbackRequest.Kind.choices)
    source_category = serializers.ChoiceField(choices=FeedbackSourceCategory.choices)
    prompt = StrictCharField(max_length=feedback_services.PROMPT_MAX_CHARS)
    sources = serializers.ListField(child=SourceInSerializer(), min_length=1, max_length=feedback_services.MAX_SOURCES)
    days = serializers.IntegerField(min_value=1, max_value=90, required=False)


class FeedbackShareSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(help_text="The version you read; another answers 409.")
    summary = StrictCharField(max_length=feedback_services.SUMMARY_MAX_CHARS, allow_blank=True)
    presentation = serializers.ChoiceField(choices=FeedbackRequest.Presentation.choices)
    share = serializers.BooleanField(default=False)


class CoachSourceSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)
    answered_at = serializers.DateTimeField(read_only=True, allow_null=True)
    answer = serializers.CharField(read_only=True)


class CoachFeedbackSerializer(serializers.Serializer[Any]):
    """The coach's view: every source and every answer as given."""

    id = serializers.UUIDField(read_only=True)
    kind = serializers.CharField(read_only=True)
    source_category = serializers.CharField(read_only=True)
    anonymity = serializers.CharField(read_only=True)
    prompt = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True)
    presentation = serializers.CharField(read_only=True)
    shared_at = serializers.DateTimeField(read_only=True, allow_null=True)
    expires_at = serializers.DateTimeField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    sources = CoachSourceSerializer(many=True, read_only=True)


class ClientAnswerSerializer(serializers.Serializer[Any]):
    given_by = serializers.CharField(read_only=True, help_text="Exactly as much as the agreed anonymity allows.")
    answer = serializers.CharField(read_only=True)


class ClientFeedbackSerializer(serializers.Serializer[Any]):
    """The client's view, built only from ``feedback_services.client_view``."""

    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True)
    anonymity = serializers.CharField(read_only=True)
    shared_at = serializers.DateTimeField(read_only=True)
    summary = serializers.CharField(read_only=True)
    answers = ClientAnswerSerializer(many=True, read_only=True)
    withheld_reason = serializers.CharField(read_only=True)


class FeedbackListItemSerializer(serializers.Serializer[Any]):
    """A list entry: no text, so listing reads nothing confidential."""

    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True)
    asked = serializers.IntegerField(read_only=True, allow_null=True)
    answered = serializers.IntegerField(read_only=True, allow_null=True)
    expires_at = serializers.DateTimeField(read_only=True, allow_null=True)
    shared_at = serializers.DateTimeField(read_only=True, allow_null=True)


def _client_payload(fr: FeedbackRequest) -> dict[str, Any]:
    view = feedback_services.client_view(fr)
    return {
        "id": fr.pk,
        "title": feedback_services.client_label(fr),
        "anonymity": fr.anonymity,
        "shared_at": fr.shared_at,
        "summary": view.summary,
        "answers": [{"given_by": source, "answer": answer} for source, answer in view.answers],
        "withheld_reason": view.withheld_reason,
    }


def _read(request: SignedInApiRequest, fr: FeedbackRequest) -> dict[str, Any]:
    load_data_keys([fr.engagement.data_key_id])
    if access.can_see_all_feedback(request.user, fr.engagement):
        data = dict(CoachFeedbackSerializer(fr).data)
    else:
        data = dict(ClientFeedbackSerializer(_client_payload(fr)).data)
    audit_engagement_event(request.user, "feedback.read", fr.engagement, fr)
    return data


@extend_schema(tags=["feedback"])
class FeedbackRequestList(APIView):
    """Feedback requests of an engagement: all for its coaches, the shared ones for the client.

    POST (a coach) asks for feedback; each person is e-mailed a single-use link, and the links are
    returned once in ``links`` so the coach may hand them over another way. They are not stored.
    """

    def _engagement(self, request: SignedInApiRequest, pk: str) -> Any:
        engagement = access.engagement_get_for(request.user, pk)
        if not access.can_see_feedback_at_all(request.user, engagement):
            raise NotFound("Not found.")
        return engagement

    @extend_schema(responses=FeedbackListItemSerializer(many=True))
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        engagement = self._engagement(request, pk)
        is_coach = access.can_see_all_feedback(request.user, engagement)
        items = [
            {
                "id": row.request.pk,
                "title": row.title,
                "asked": row.asked if is_coach else None,
                "answered": row.answered if is_coach else None,
                "expires_at": row.request.expires_at if is_coach else None,
                "shared_at": row.request.shared_at,
            }
            for row in feedback_services.feedback_rows_for(user=request.user, engagement=engagement, limit=100)
        ]
        return Response(FeedbackListItemSerializer(items, many=True).data)

    @extend_schema(request=FeedbackCreateSerializer, responses={201: CoachFeedbackSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        engagement = self._engagement(request, pk)
        incoming = FeedbackCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        fr, issued = feedback_services.feedback_request_create(
            actor=request.user,
            engagement=engagement,
            kind=data["kind"],
            source_category=data["source_category"],
            prompt=data["prompt"],
            sources=[feedback_services.NewSource(email=s["email"], name=s.get("name", "")) for s in data["sources"]],
            days=data.get("days"),
        )
        body = dict(CoachFeedbackSerializer(fr).data)
        body["links"] = [{"source": str(s.pk), "link": feedback_services.link_for(token)} for s, token in issued]
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(tags=["feedback"])
class FeedbackDetail(APIView):
    """One request: the coach sees it all; the client sees it at the agreed anonymity, once shared.

    PATCH (a coach) saves the summary and how the client sees it, and with ``share`` shares it.
    """

    @extend_schema(
        responses=PolymorphicProxySerializer(
            component_name="FeedbackAsSeen",
            serializers=[CoachFeedbackSerializer, ClientFeedbackSerializer],
            resource_type_field_name=None,
        )
    )
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        return Response(_read(request, access.feedback_request_get_for(request.user, pk)))

    @extend_schema(request=FeedbackShareSerializer, responses=CoachFeedbackSerializer)
    def patch(self, request: SignedInApiRequest, pk: str) -> Response:
        fr = access.feedback_request_get_for(request.user, pk)
        incoming = FeedbackShareSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            fr = feedback_services.feedback_share(
                actor=request.user,
                request=fr,
                expected_version=data["version"],
                summary=data["summary"],
                presentation=data["presentation"],
                share=data["share"],
            )
        except ConflictError as exc:
            return Response({"detail": exc.messages[0]}, status=status.HTTP_409_CONFLICT)
        return Response(CoachFeedbackSerializer(fr).data)


# --- unsolicited feedback --------------------------------------------------------------------


class UnsolicitedCreateSerializer(serializers.Serializer[Any]):
    source_category = serializers.ChoiceField(choices=UnsolicitedSourceCategory.choices)
    source_name = StrictCharField(
        max_length=feedback_services.SOURCE_NAME_MAX_CHARS,
        required=False,
        allow_blank=True,
        default="",
        help_text="Only where the agreement reports feedback by name; refused otherwise.",
    )
    presentation = serializers.ChoiceField(choices=UnsolicitedFeedback.Presentation.choices)
    text = StrictCharField(max_length=feedback_services.UNSOLICITED_MAX_CHARS)
    received_on = serializers.DateField()


class CoachUnsolicitedSerializer(serializers.Serializer[Any]):
    """The coach's view: as recorded, with the source's name where one was kept."""

    id = serializers.UUIDField(read_only=True)
    source_category = serializers.CharField(read_only=True)
    source_name = serializers.CharField(read_only=True)
    anonymity = serializers.CharField(read_only=True)
    presentation = serializers.CharField(read_only=True)
    text = serializers.CharField(read_only=True)
    received_on = serializers.DateField(read_only=True)
    share_by = serializers.DateField(read_only=True)
    shared_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ClientUnsolicitedSerializer(serializers.Serializer[Any]):
    """The client's view, once shared: the source only as the agreed anonymity allows."""

    id = serializers.UUIDField(read_only=True)
    given_by = serializers.CharField(read_only=True, help_text="Exactly as much as the agreed anonymity allows.")
    presentation = serializers.CharField(read_only=True)
    text = serializers.CharField(read_only=True)
    received_on = serializers.DateField(read_only=True)
    shared_at = serializers.DateTimeField(read_only=True)


class UnsolicitedListItemSerializer(serializers.Serializer[Any]):
    """A list entry: no text and no name, so listing reads nothing confidential."""

    id = serializers.UUIDField(read_only=True)
    given_by = serializers.CharField(read_only=True, help_text="The kind of person, where the client may know it.")
    presentation = serializers.CharField(read_only=True)
    received_on = serializers.DateField(read_only=True)
    share_by = serializers.DateField(read_only=True, allow_null=True)
    shared_at = serializers.DateTimeField(read_only=True, allow_null=True)


def _unsolicited_read(request: SignedInApiRequest, item: UnsolicitedFeedback) -> dict[str, Any]:
    load_data_keys([item.engagement.data_key_id])
    if access.can_see_all_feedback(request.user, item.engagement):
        data = dict(CoachUnsolicitedSerializer(item).data)
    else:
        data = dict(
            ClientUnsolicitedSerializer(
                {
                    "id": item.pk,
                    "given_by": feedback_services.unsolicited_source_label(item),
                    "presentation": item.presentation,
                    "text": item.text,
                    "received_on": item.received_on,
                    "shared_at": item.shared_at,
                }
            ).data
        )
    audit_engagement_event(request.user, "feedback.unsolicited.read", item.engagement, item)
    return data


@extend_schema(tags=["feedback"])
class UnsolicitedFeedbackList(APIView):
    """Feedback nobody asked for, on one engagement: all of it for its coaches, what was shared for the
    client, nothing for anyone else. POST (a coach) records one as it arrives."""

    def _engagement(self, request: SignedInApiRequest, pk: str) -> Any:
        engagement = access.engagement_get_for(request.user, pk)
        if not access.can_see_feedback_at_all(request.user, engagement):
            raise NotFound("Not found.")
        return engagement

    @extend_schema(responses=UnsolicitedListItemSerializer(many=True))
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        engagement = self._engagement(request, pk)
        is_coach = access.can_see_all_feedback(request.user, engagement)
        found = access.unsolicited_feedback_visible_to(request.user, engagement).defer("text", "source_name")
        items = [
            {
                "id": item.pk,
                "given_by": feedback_services.unsolicited_list_label(item, is_coach=is_coach),
                "presentation": item.presentation,
                "received_on": item.received_on,
                "share_by": item.share_by if is_coach else None,
                "shared_at": item.shared_at,
            }
            for item in found[:100]
        ]
        return Response(UnsolicitedListItemSerializer(items, many=True).data)

    @extend_schema(request=UnsolicitedCreateSerializer, responses={201: CoachUnsolicitedSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        engagement = self._engagement(request, pk)
        incoming = UnsolicitedCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        item = feedback_services.unsolicited_feedback_record(
            actor=request.user,
            engagement=engagement,
            source_category=data["source_category"],
            source_name=data["source_name"],
            presentation=data["presentation"],
            text=data["text"],
            received_on=data["received_on"],
        )
        return Response(CoachUnsolicitedSerializer(item).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["feedback"])
class UnsolicitedFeedbackDetail(APIView):
    """One item: the coach reads it as recorded; the client, once shared, at the agreed anonymity."""

    @extend_schema(
        responses=PolymorphicProxySerializer(
            component_name="UnsolicitedFeedbackAsSeen",
            serializers=[CoachUnsolicitedSerializer, ClientUnsolicitedSerializer],
            resource_type_field_name=None,
        )
    )
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        return Response(_unsolicited_read(request, access.unsolicited_feedback_get_for(request.user, pk)))


@extend_schema(tags=["feedback"])
class UnsolicitedFeedbackShare(APIView):
    """Share it with the client (a coach on the engagement), once."""

    @extend_schema(request=None, responses=CoachUnsolicitedSerializer)
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        item = access.unsolicited_feedback_get_for(request.user, pk)
        item = feedback_services.unsolicited_feedback_share(actor=request.user, feedback=item)
        return Response(CoachUnsolicitedSerializer(item).data)
