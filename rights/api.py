"""Subject access over the API: the same services and the same policy as the pages.

``GET /api/v1/subject-access-requests/``: the caller's requests (the administrator: all).
``POST`` opens one: a client for themselves, a sponsor contact for their organisation, the
administrator on behalf of either. ``GET …/{id}/export/`` downloads the released copy (its
requester only); ``POST …/{id}/export/`` starts making it (the administrator).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

import access
from confidentiality.pagination import CursorPage
from rights import services as sar
from rights.models import ReceivedBy, Right, SubjectAccessRequest
from rights.views import streaming_zip

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInApiRequest
    from confidentiality.models import User


class ExportStatusSerializer(serializers.Serializer[Any]):
    state = serializers.CharField()
    progress = serializers.IntegerField(help_text="Percent done.")
    step = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes of the ZIP, once built.")
    expires_at = serializers.DateTimeField(allow_null=True, help_text="Downloads end then.")


class SubjectAccessRequestSerializer(serializers.Serializer[SubjectAccessRequest]):
    id = serializers.UUIDField(read_only=True)
    reference = serializers.CharField(read_only=True)
    right = serializers.CharField(
        read_only=True, help_text="access, rectification, erasure, restriction, objection or portability."
    )
    subject_kind = serializers.CharField(read_only=True)
    client = serializers.UUIDField(source="client_id", read_only=True, allow_null=True)
    organisation = serializers.UUIDField(source="organisation_id", read_only=True, allow_null=True)
    received_on = serializers.DateField(read_only=True)
    due_on = serializers.DateField(read_only=True, help_text="One calendar month after receipt.")
    deadline_on = serializers.DateField(read_only=True, help_text="The due date, or the extended one.")
    extension_months = serializers.IntegerField(read_only=True)
    extension_reason = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True)
    state_text = serializers.CharField(read_only=True)
    answered_at = serializers.DateTimeField(read_only=True, allow_null=True)
    released_at = serializers.DateTimeField(read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()
    export = serializers.SerializerMethodField()

    def get_overdue(self, obj: SubjectAccessRequest) -> bool:
        return sar.is_overdue(obj)

    @extend_schema_field(ExportStatusSerializer(allow_null=True))
    def get_export(self, obj: SubjectAccessRequest) -> dict[str, Any] | None:
        try:
            export = obj.export
        except SubjectAccessRequest.export.RelatedObjectDoesNotExist:
            return None
        return {
            "state": export.state,
            "progress": export.progress,
            "step": export.step,
            "size": export.size,
            "expires_at": export.expires_at,
        }


class RequestDetailSerializer(SubjectAccessRequestSerializer):
    """One request, with what was asked and answered (encrypted under the client's key, so not in lists)."""

    details = serializers.CharField(read_only=True, allow_null=True, help_text="What the client asked.")
    outcome = serializers.CharField(read_only=True, allow_null=True, help_text="What the practice did.")
    refusal_reason = serializers.CharField(source="refusal_text", read_only=True, help_text="Why it was refused.")
    received_by = serializers.CharField(read_only=True)
    evidence = serializers.CharField(read_only=True, allow_null=True, help_text="How identity was checked.")
    by_post = serializers.BooleanField(read_only=True, help_text="No portal sign-in: the answer goes by post.")
    posted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    corrected = serializers.SerializerMethodField(help_text="The details corrected for a correction request.")
    processing_paused = serializers.SerializerMethodField(
        help_text="Restriction or objection: whether processing of the client's records is paused now."
    )

    def get_corrected(self, obj: SubjectAccessRequest) -> list[str]:
        return sar.corrected_labels(obj)

    def get_processing_paused(self, obj: SubjectAccessRequest) -> bool:
        restriction = sar.restriction_of(obj)
        return restriction is not None and restriction.lifted_at is None


class OpenSerializer(serializers.Serializer[Any]):
    right = serializers.ChoiceField(choices=Right.choices, default=Right.ACCESS, help_text="The right exercised.")
    details = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=sar.DETAILS_MAX_CHARS,
        help_text="Which information, and why: required for rectification, erasure, restriction and objection.",
    )
    client = serializers.UUIDField(required=False, help_text="The administrator: the client whose copy it is.")
    organisation = serializers.UUIDField(
        required=False, help_text="A sponsor contact of several organisations, or the administrator: which one."
    )
    requester_email = serializers.EmailField(
        required=False, help_text="The administrator, for an organisation: the contact who asked."
    )
    received_on = serializers.DateField(
        required=False, help_text="The administrator: the day the request arrived (default today)."
    )
    received_by = serializers.ChoiceField(
        choices=[c for c in ReceivedBy.choices if c[0] != ReceivedBy.PORTAL],
        required=False,
        help_text="The administrator: how the request arrived (default post).",
    )
    evidence = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=sar.EVIDENCE_MAX_CHARS,
        help_text="The administrator: how identity was checked; required for a client without a portal sign-in, "
        "who is answered by post.",
    )


class CreatedAtPage(CursorPage):
    ordering = "-created_at"


@extend_schema(tags=["subject access"])
class SubjectAccessRequestList(generics.ListAPIView[SubjectAccessRequest]):
    """Subject-access requests the caller may see; POST opens one."""

    request: SignedInApiRequest  # IsAuthenticated, the default permission, lets in only people with an account

    serializer_class = SubjectAccessRequestSerializer
    pagination_class = CreatedAtPage

    def get_queryset(self) -> Any:
        user = self.request.user
        if not access.can_request_subject_access(user):
            raise Http404
        return access.subject_access_requests_visible_to(user).select_related("export")

    @extend_schema(request=OpenSerializer, responses={201: SubjectAccessRequestSerializer})
    def post(self, request: SignedInApiRequest) -> Response:
        from confidentiality.models import User

        user: User = request.user
        if not access.can_request_subject_access(user):
            raise Http404
        incoming = OpenSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        client = organisation = requester = None
        if "client" in data:
            own = access.client_record_of(user)
            if own is not None:
                client = own if own.pk == data["client"] else None
            else:
                client = access.clients_visible_to(user).filter(pk=data["client"]).first()
            if client is None:
                raise Http404
        if "organisation" in data:
            organisation = access.organisations_visible_to(user).filter(pk=data["organisation"]).first()
            if organisation is None:
                raise Http404
        if "requester_email" in data:
            requester = User.objects.filter(email=data["requester_email"].lower()).first()
            if requester is None:
                raise serializers.ValidationError({"requester_email": "No one signs in with this e-mail address."})
        try:
            opened = sar.subject_access_request_open(
                actor=user,
                client=client,
                organisation=organisation,
                requester=requester,
                received_on=data.get("received_on"),
                right=data["right"],
                details=data.get("details", ""),
                received_by=data.get("received_by"),
                evidence=data.get("evidence", ""),
            )
        except PermissionDenied:
            raise Http404 from None
        return Response(RequestDetailSerializer(opened).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["subject access"])
class SubjectAccessRequestDetail(APIView):
    @extend_schema(responses=RequestDetailSerializer)
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        from engagements.selectors import audit_client_reads

        item = access.subject_access_request_get_for(request.user, pk)
        if item.client is not None and access.can_run_subject_access(request.user):
            # What the client asked is read here, as on the request's page: it shows in their access log.
            audit_client_reads(user=request.user, clients=[item.client])
        return Response(RequestDetailSerializer(item).data)


@extend_schema(tags=["subject access"])
class SubjectAccessExportView(APIView):
    """The copy: its requester downloads it once released (each download audited); the
    administrator starts making it."""

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="The copy, a ZIP."),
            409: OpenApiResponse(description="Not released yet."),
            410: OpenApiResponse(description="The download period is over; the copy is deleted."),
        }
    )
    def get(self, request: SignedInApiRequest, pk: str) -> HttpResponseBase:
        item = access.subject_access_request_get_for(request.user, pk)
        try:
            export = sar.export_download(actor=request.user, request=item)
        except sar.ExportUnavailable as exc:
            code = status.HTTP_410_GONE if exc.gone else status.HTTP_409_CONFLICT
            return Response({"detail": str(exc)}, status=code)
        return streaming_zip(item, export)

    @extend_schema(request=None, responses={202: SubjectAccessRequestSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        item = access.subject_access_request_get_for(request.user, pk)
        if not access.can_run_subject_access(request.user):
            raise Http404
        try:
            sar.subject_access_export_start(actor=request.user, request=item)
        except ValidationError as exc:
            return Response({"detail": exc.messages}, status=status.HTTP_409_CONFLICT)
        item.refresh_from_db()
        return Response(SubjectAccessRequestSerializer(item).data, status=status.HTTP_202_ACCEPTED)


class AnswerSerializer(serializers.Serializer[Any]):
    outcome = serializers.CharField(
        max_length=sar.OUTCOME_MAX_CHARS, help_text="What the practice did: the requester reads it in the letter."
    )


class CorrectSerializer(serializers.Serializer[Any]):
    full_name = serializers.CharField(max_length=200, required=False, help_text="Left out: kept as it is.")
    contact_email = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Left out: kept as it is."
    )
    phone = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Left out: kept as it is."
    )
    postal_address = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="Left out: kept as it is."
    )


def _run(request: SignedInApiRequest, pk: str) -> SubjectAccessRequest:
    """A request the administrator acts on; 404 for anyone else, the requester included."""
    item = access.subject_access_request_get_for(request.user, pk)
    if not access.can_run_subject_access(request.user):
        raise Http404
    return item


@extend_schema(tags=["subject access"])
class SubjectAccessAnswerView(APIView):
    """The administrator answers a request under a right other than access or portability (those are
    answered with their file): the requester is told, and the outcome letter is ready."""

    @extend_schema(request=AnswerSerializer, responses={200: RequestDetailSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        item = _run(request, pk)
        incoming = AnswerSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        answered = sar.right_answer(actor=request.user, request=item, outcome=incoming.validated_data["outcome"])
        return Response(RequestDetailSerializer(answered).data)


@extend_schema(tags=["subject access"])
class SubjectAccessCorrectView(APIView):
    """The administrator corrects the client's details for an open correction request: each earlier
    value is kept with the request, encrypted; a detail left out is kept as it is."""

    @extend_schema(request=CorrectSerializer, responses={200: RequestDetailSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        item = _run(request, pk)
        incoming = CorrectSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        client = item.client
        current = {field: getattr(client, field) or "" for field in sar.CORRECTABLE} if client is not None else {}
        sar.rectification_apply(actor=request.user, request=item, corrected={**current, **incoming.validated_data})
        item.refresh_from_db()
        return Response(RequestDetailSerializer(item).data)


class RestrictSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=1000, help_text="Why processing is paused: the engagements show it.")


class LiftSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=1000, help_text="Why processing may start again: the client is told.")


@extend_schema(tags=["subject access"])
class SubjectAccessRestrictView(APIView):
    """The administrator pauses the processing of the client's records for a restriction or an
    objection: their engagements are kept and not used until it is lifted."""

    @extend_schema(request=RestrictSerializer, responses={200: RequestDetailSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        item = _run(request, pk)
        incoming = RestrictSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        sar.restriction_place(actor=request.user, request=item, reason=incoming.validated_data["reason"])
        item.refresh_from_db()
        return Response(RequestDetailSerializer(item).data)


@extend_schema(tags=["subject access"])
class SubjectAccessLiftView(APIView):
    """The administrator lifts the restriction placed for this request; the client is told why."""

    @extend_schema(request=LiftSerializer, responses={200: RequestDetailSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        item = _run(request, pk)
        incoming = LiftSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        sar.restriction_lift(actor=request.user, request=item, reason=incoming.validated_data["reason"])
        item.refresh_from_db()
        return Response(RequestDetailSerializer(item).data)


@extend_schema(tags=["subject access"])
class SubjectAccessPostedView(APIView):
    """The answer to a client without a portal sign-in went by post: the letter, or the copy."""

    @extend_schema(request=None, responses={200: RequestDetailSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        item = _run(request, pk)
        sar.subject_access_mark_posted(actor=request.user, request=item)
        item.refresh_from_db()
        return Response(RequestDetailSerializer(item).data)


class SentLinkSerializer(serializers.Serializer[Any]):
    collection_code = serializers.CharField(
        help_text="Shown this once, never stored or e-mailed: give it to the client by telephone, post or in person."
    )
    expires_at = serializers.DateTimeField()


@extend_schema(tags=["subject access"])
class SubjectAccessSendLinkView(APIView):
    """E-mail a client without a portal sign-in a single-use link to download the answer (the letter,
    or the released copy) from the address on file. The link alone opens nothing: the download asks
    for the collection code returned here, once. A new link ends the earlier one."""

    @extend_schema(request=None, responses={201: SentLinkSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        from rights import links

        item = _run(request, pk)
        sent = links.answer_link_send(actor=request.user, request=item)
        body = SentLinkSerializer(
            {"collection_code": links.pretty_code(sent.code), "expires_at": sent.link.expires_at}
        ).data
        return Response(body, status=201, headers={"Cache-Control": "no-store"})
