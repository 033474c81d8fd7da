"""The JSON API: the same selectors, services and policy as the pages. Unseen ids answer 404."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import access
from confidentiality.api import AccessBeforeBody, StrictCharField, StrictModelSerializer
from confidentiality.crypto import load_data_keys
from confidentiality.downloads import attachment_response
from confidentiality.roles import Role
from engagements import selectors, services
from engagements.documents import KINDS
from engagements.models import CoachingSession, Document, Engagement, Organisation

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInApiRequest


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class EngagementSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer(
        read_only=True, allow_null=True, help_text="Null for a private client, who pays for their own coaching."
    )
    paid_for_by = serializers.CharField(source="payer_name", read_only=True)

    class Meta:
        model = Engagement
        fields = [
            "id",
            "reference",
            "title",
            "status",
            "starts_on",
            "ends_on",
            "organisation",
            "paid_for_by",
            "version",
        ]
        read_only_fields = fields


@extend_schema(tags=["engagements"])
class EngagementViewSet(viewsets.ReadOnlyModelViewSet):
    """Engagements the caller may see: metadata only. An unseen id answers 404."""

    request: SignedInApiRequest  # IsAuthenticated, the default permission, lets in only people with an account

    serializer_class = EngagementSerializer

    def get_queryset(self) -> Any:
        return selectors.engagement_list_for(user=self.request.user)

    def retrieve(self, request: SignedInApiRequest, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]  # DRF types it Request; IsAuthenticated admits only people with an account
        engagement = selectors.engagement_get_for(user=request.user, pk=kwargs["pk"])
        return Response(self.get_serializer(engagement).data)

    def list(self, request: SignedInApiRequest, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]  # DRF types it Request; IsAuthenticated admits only people with an account
        if not (
            access.can(request.user, access.Capability.VIEW_OWN_ENGAGEMENTS)
            or access.can(request.user, access.Capability.MANAGE_PRACTICE)
        ):
            raise Http404
        return super().list(request, *args, **kwargs)


class OrganisationSerializer(StrictModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "address", "keep_hard_copies", "sponsors_need_second_factor", "created_at"]
        read_only_fields = ["id", "created_at"]


@extend_schema(tags=["organisations"])
class OrganisationList(AccessBeforeBody, generics.ListCreateAPIView):
    """Organisations: all for the administrator, their own for a sponsor, theirs for a coach."""

    request: SignedInApiRequest  # IsAuthenticated, the default permission, lets in only people with an account

    serializer_class = OrganisationSerializer

    def get_queryset(self) -> Any:
        return access.organisations_visible_to(self.request.user)

    def create_access(self) -> None:
        access.require(self.request.user, access.Capability.MANAGE_PRACTICE)

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.organisation_create(actor=self.request.user, **serializer.validated_data)


class ClientSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    full_name = StrictCharField(max_length=200)
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = StrictCharField(required=False, allow_blank=True, default="", max_length=40)
    has_portal_login = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)

    def get_has_portal_login(self, obj: Any) -> bool:
        return obj.user_id is not None


@extend_schema(tags=["clients"])
class ClientList(AccessBeforeBody, generics.ListCreateAPIView):
    """Clients: the administrator only (policies 001 and 003: no client lists). Others get 404."""

    request: SignedInApiRequest  # IsAuthenticated, the default permission, lets in only people with an account

    serializer_class = ClientSerializer

    def get_queryset(self) -> Any:
        return selectors.client_list_for(user=self.request.user).order_by("-created_at")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        load_data_keys(c.data_key_id for c in page or [])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create_access(self) -> None:
        access.require(self.request.user, access.Capability.MANAGE_PRACTICE)

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.client_create(actor=self.request.user, **serializer.validated_data)


class SessionSerializer(serializers.ModelSerializer):
    place = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    setting_private = serializers.BooleanField(required=False, default=False)
    setting_complete = serializers.BooleanField(
        read_only=True, help_text="Where it took place is recorded, and that the setting was private (policy 002)."
    )

    class Meta:
        model = CoachingSession
        fields = [
            "id",
            "held_on",
            "duration_minutes",
            "mode",
            "place",
            "setting_private",
            "setting_complete",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class SessionSettingSerializer(serializers.Serializer):
    place = StrictCharField(max_length=200)
    setting_private = serializers.BooleanField()


@extend_schema(tags=["sessions"])
class SessionDetail(APIView):
    """One session. PATCH records where it took place and whether the setting was private: the
    coaches on its engagement only."""

    @extend_schema(request=SessionSettingSerializer, responses=SessionSerializer)
    def patch(self, request: SignedInApiRequest, pk: str) -> Response:
        session = selectors.session_get_for_change(user=request.user, pk=pk)
        incoming = SessionSettingSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        session = services.session_record_setting(actor=request.user, session=session, **incoming.validated_data)
        return Response(SessionSerializer(session).data)


@extend_schema(tags=["sessions"])
class SessionList(AccessBeforeBody, generics.ListCreateAPIView):
    """Sessions of an engagement: coaches record them; the client and administrator read them."""

    request: SignedInApiRequest  # IsAuthenticated, the default permission, lets in only people with an account

    serializer_class = SessionSerializer

    def engagement(self) -> Engagement:
        return selectors.engagement_get_for(user=self.request.user, pk=self.kwargs["pk"])

    def get_queryset(self) -> Any:
        engagement = self.engagement()
        if not access.can_see_sessions(self.request.user, engagement):
            raise Http404
        return selectors.sessions_for(user=self.request.user, engagement=engagement).order_by("-created_at")

    def create_access(self) -> Engagement:
        engagement = self.engagement()
        if not access.has_engagement_access(self.request.user, engagement, access.EngagementAccess.READ_CONFIDENTIAL):
            raise Http404
        return engagement

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.session_record(
            actor=self.request.user, engagement=self.allowed, **serializer.validated_data
        )


class NoteSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    body = StrictCharField(max_length=services.NOTE_MAX_CHARS, trim_whitespace=False)
    shared_with_client = serializers.BooleanField(default=False)
    session = serializers.UUIDField(required=False, allow_null=True, source="session_id")
    version = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class NoteUpdateSerializer(serializers.Serializer):
    body = StrictCharField(max_length=services.NOTE_MAX_CHARS, required=False, trim_whitespace=False)
    shared_with_client = serializers.BooleanField(required=False)
    version = serializers.IntegerField(help_text="The version you read; a stale version answers 409.")


@extend_schema(tags=["notes"])
class NoteList(AccessBeforeBody, generics.ListCreateAPIView):
    """Notes of an engagement: all for its coaches, shared ones for the client. Reads are audited."""

    request: SignedInApiRequest  # IsAuthenticated, the default permission, lets in only people with an account

    serializer_class = NoteSerializer

    def engagement(self) -> Engagement:
        engagement = selectors.engagement_get_for(user=self.request.user, pk=self.kwargs["pk"])
        if not access.has_engagement_access(self.request.user, engagement, access.EngagementAccess.READ_SHARED):
            raise Http404
        return engagement

    def get_queryset(self) -> Any:
        return selectors.notes_for(user=self.request.user, engagement=self.engagement())

    def list(self, request: SignedInApiRequest, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]  # DRF types it Request; IsAuthenticated admits only people with an account
        engagement = self.engagement()
        page = self.paginate_queryset(selectors.notes_for(user=request.user, engagement=engagement)) or []
        load_data_keys([engagement.data_key_id])
        data = self.get_serializer(page, many=True).data
        is_coach = access.has_engagement_access(request.user, engagement, access.EngagementAccess.READ_CONFIDENTIAL)
        services.audit_reads(
            actor=request.user,
            action="note.read" if is_coach else "shared.read",
            engagement=engagement,
            objects=page,
        )
        return self.get_paginated_response(data)

    def create_access(self) -> Engagement:
        engagement = self.engagement()
        if not access.has_engagement_access(self.request.user, engagement, access.EngagementAccess.READ_CONFIDENTIAL):
            raise PermissionDenied("Only a coach on this engagement can do this.")  # they read what is shared
        return engagement

    def perform_create(self, serializer: Any) -> None:
        engagement = self.allowed
        data = dict(serializer.validated_data)
        session_id = data.pop("session_id", None)
        session = None
        if session_id is not None:
            session = CoachingSession.objects.filter(pk=session_id, engagement=engagement).first()
            if session is None:
                raise serializers.ValidationError({"session": "No such session on this engagement."})
        serializer.instance = services.note_create(
            actor=self.request.user, engagement=engagement, session=session, **data
        )


@extend_schema(tags=["notes"])
class NoteDetail(APIView):
    """One note. PATCH changes its text or sharing; send the version you read."""

    @extend_schema(responses=NoteSerializer)
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        note = selectors.note_get_for(user=request.user, pk=pk)
        load_data_keys([note.engagement.data_key_id])
        is_coach = access.has_engagement_access(
            request.user, note.engagement, access.EngagementAccess.READ_CONFIDENTIAL
        )
        grant = access.active_break_glass(request.user, note)
        action = "note.read" if is_coach else ("note.read_break_glass" if grant else "shared.read")
        data = NoteSerializer(note).data
        services.audit_reads(actor=request.user, action=action, engagement=note.engagement, objects=[note])
        return Response(data)

    @extend_schema(request=NoteUpdateSerializer, responses={200: NoteSerializer, 409: OpenApiTypes.OBJECT})
    def patch(self, request: SignedInApiRequest, pk: str) -> Response:
        note = selectors.note_get_for(user=request.user, pk=pk, for_change=True)
        incoming = NoteUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        if data["version"] != note.version:
            return Response(
                {"detail": "This note was changed since you read it. Read it again and resend your change."},
                status=status.HTTP_409_CONFLICT,
            )
        try:
            with transaction.atomic():
                if "body" in data:
                    note = services.note_update(
                        actor=request.user, note=note, body=data["body"], expected_version=data["version"]
                    )
                if "shared_with_client" in data:
                    note = services.note_set_shared(
                        actor=request.user, note=note, shared=data["shared_with_client"], expected_version=note.version
                    )
        except services.ConflictError as exc:
            return Response({"detail": exc.messages[0]}, status=status.HTTP_409_CONFLICT)
        return Response(NoteSerializer(note).data)


class NoteCorrectionSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    body = StrictCharField(
        max_length=services.CORRECTION_MAX_CHARS, help_text="What was wrong in the note, and what is right."
    )
    author = serializers.CharField(source="author.display_name", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


@extend_schema(tags=["notes"])
class NoteCorrections(APIView):
    """Corrections appended to a note (its text is never rewritten once shared): those who read the
    note read them, audited as a read of the note; POST appends one (the note's coach)."""

    @extend_schema(responses=NoteCorrectionSerializer(many=True))
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        note = selectors.note_get_for(user=request.user, pk=pk)
        load_data_keys([note.engagement.data_key_id])
        is_coach = access.has_engagement_access(
            request.user, note.engagement, access.EngagementAccess.READ_CONFIDENTIAL
        )
        grant = access.active_break_glass(request.user, note)
        action = "note.read" if is_coach else ("note.read_break_glass" if grant else "shared.read")
        data = NoteCorrectionSerializer(note.corrections.select_related("author").order_by("created_at"), many=True)
        rows = data.data
        services.audit_reads(actor=request.user, action=action, engagement=note.engagement, objects=[note])
        return Response(rows)

    @extend_schema(request=NoteCorrectionSerializer, responses={201: NoteCorrectionSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        note = selectors.note_get_for(user=request.user, pk=pk, for_change=True)
        incoming = NoteCorrectionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        load_data_keys([note.engagement.data_key_id])
        correction = services.note_correct(actor=request.user, note=note, body=incoming.validated_data["body"])
        return Response(NoteCorrectionSerializer(correction).data, status=status.HTTP_201_CREATED)


class DocumentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)

    class Meta:
        model = Document
        fields = ["id", "name", "content_type", "size", "shared_with_client", "supplied_by_organisation", "created_at"]
        read_only_fields = fields


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    shared_with_client = serializers.BooleanField(default=False)
    supplied_by_organisation = serializers.BooleanField(default=False)


@extend_schema(tags=["documents"])
class DocumentList(APIView):
    """Documents of an engagement the caller may see. POST uploads (multipart), coaches only."""

    parser_classes = [MultiPartParser]

    @extend_schema(responses=DocumentSerializer(many=True))
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        engagement = selectors.engagement_get_for(user=request.user, pk=pk)
        # Documents exist for the coaches and client (read_shared) and the sponsor (their own);
        # for anyone else, such as the administrator, this list does not exist.
        if not (
            access.has_engagement_access(request.user, engagement, access.EngagementAccess.READ_SHARED)
            or access.role_of(request.user) == Role.SPONSOR
        ):
            raise Http404
        documents = list(selectors.documents_for(user=request.user, engagement=engagement)[:200])
        load_data_keys([engagement.data_key_id])
        return Response(DocumentSerializer(documents, many=True).data)

    @extend_schema(request=DocumentUploadSerializer, responses={201: DocumentSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        from django.conf import settings

        engagement = selectors.engagement_get_for(user=request.user, pk=pk)
        if not access.has_engagement_access(request.user, engagement, access.EngagementAccess.READ_CONFIDENTIAL):
            raise Http404
        incoming = DocumentUploadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        upload = incoming.validated_data["file"]
        if upload.size > settings.DOCUMENT_MAX_BYTES:
            raise serializers.ValidationError({"file": "The file is larger than the limit."})
        document = services.document_upload(
            actor=request.user,
            engagement=engagement,
            name=upload.name or "document",
            content=upload.read(),
            shared_with_client=incoming.validated_data["shared_with_client"],
            supplied_by_organisation=incoming.validated_data["supplied_by_organisation"],
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


# Answered with the type decided from the file's own bytes when it was uploaded.
@extend_schema(tags=["documents"], responses={(200, kind.content_type): OpenApiTypes.BINARY for kind in KINDS})
class DocumentDownload(APIView):
    """The document's content, decrypted, for someone who may see it. Every download is audited."""

    def get(self, request: SignedInApiRequest, pk: str) -> HttpResponse:
        document = selectors.document_get_for(user=request.user, pk=pk)
        load_data_keys([document.engagement.data_key_id])
        content = services.document_read(actor=request.user, document=document)
        return attachment_response(content, content_type=document.content_type, name=document.original_name)
