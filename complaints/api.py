"""Complaints and breaches over the API: the same services and the same policy as the pages.

Lists carry no text, so listing reads nothing confidential; a detail read is audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

import access
from complaints import services as complaint_services
from complaints.models import Breach, Complaint, ComplaintResponse
from complaints.services import BREACH_TEXT_MAX_CHARS, COMPLAINT_MAX_CHARS, EVIDENCE_MAX_CHARS, REFERENCE_MAX_CHARS
from confidentiality.api import StrictCharField
from confidentiality.models import ReceivedBy
from confidentiality.pagination import CursorPage
from engagements.services import ConflictError

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInApiRequest


class LodgedAtPage(CursorPage):
    ordering = "-lodged_at"


class ReportedAtPage(CursorPage):
    ordering = "-reported_at"


class DeadlineField(serializers.Serializer[Any]):
    """The next deadline: what is due, when, and the clock as people read it."""

    what = serializers.CharField()
    due_at = serializers.DateTimeField()
    overdue = serializers.BooleanField()
    text = serializers.CharField(help_text="The clock as people read it, e.g. '71h 59m left'.")


def _deadline(due: tuple[str, Any] | None) -> dict[str, Any] | None:
    if due is None:
        return None
    running = complaint_services.clock(due[1])
    return {"what": due[0], "due_at": due[1], "overdue": running.overdue, "text": running.label}


# --- complaints -----------------------------------------------------------------------------


class ComplaintSummarySerializer(serializers.Serializer[Complaint]):
    id = serializers.UUIDField(read_only=True)
    reference = serializers.CharField(read_only=True)
    about = serializers.CharField(read_only=True)
    engagement = serializers.UUIDField(source="engagement_id", read_only=True, allow_null=True)
    status = serializers.CharField(read_only=True)
    outcome = serializers.CharField(read_only=True)
    lodged_at = serializers.DateTimeField(read_only=True, help_text="When it reached the practice.")
    received_by = serializers.CharField(read_only=True, help_text="'portal', or how the administrator received it.")
    acknowledge_by = serializers.DateTimeField(read_only=True)
    respond_by = serializers.DateTimeField(read_only=True)
    acknowledged_at = serializers.DateTimeField(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    deadline = serializers.SerializerMethodField()

    @extend_schema_field(DeadlineField(allow_null=True))
    def get_deadline(self, obj: Complaint) -> dict[str, Any] | None:
        return _deadline(complaint_services.complaint_next_deadline(obj))


class ComplaintResponseSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(read_only=True)
    kind = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    by_post = serializers.BooleanField(read_only=True, help_text="A letter to post: the client had no sign-in.")
    posted_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ComplaintSerializer(ComplaintSummarySerializer):
    body = serializers.CharField(read_only=True)
    responses = serializers.SerializerMethodField()

    @extend_schema_field(ComplaintResponseSerializer(many=True))
    def get_responses(self, obj: Complaint) -> list[dict[str, Any]]:
        return list(ComplaintResponseSerializer(self.context["responses"], many=True).data)


class ComplaintLodgeSerializer(serializers.Serializer[Any]):
    about = serializers.ChoiceField(choices=Complaint.About.choices)
    body = StrictCharField(max_length=COMPLAINT_MAX_CHARS)
    engagement = serializers.UUIDField(required=False, allow_null=True)
    client = serializers.UUIDField(
        required=False, help_text="The administrator, recording a complaint on a client's behalf: the client."
    )
    received_by = serializers.ChoiceField(
        choices=[c for c in ReceivedBy.choices if c[0] != ReceivedBy.PORTAL],
        required=False,
        help_text="The administrator: how the complaint reached the practice.",
    )
    evidence = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=EVIDENCE_MAX_CHARS,
        help_text="The administrator: how the person's identity was checked; required for a client without a "
        "portal sign-in, who is answered by post.",
    )
    received_on = serializers.DateField(
        required=False, help_text="The administrator: the day it reached the practice (default today)."
    )


ON_BEHALF_FIELDS = ("client", "received_by", "evidence", "received_on")


def _read_complaint(request: SignedInApiRequest, complaint: Complaint, code: int = status.HTTP_200_OK) -> Response:
    responses = complaint_services.complaint_read(user=request.user, complaint=complaint)
    return Response(ComplaintSerializer(complaint, context={"responses": responses}).data, status=code)


@extend_schema(tags=["complaints"])
class ComplaintList(generics.ListAPIView[Complaint]):
    """Complaints: a client's own, or all for the administrator. A client lodges one with POST."""

    request: SignedInApiRequest  # IsAuthenticated, the default permission, lets in only people with an account

    serializer_class = ComplaintSummarySerializer
    pagination_class = LodgedAtPage

    def get_queryset(self) -> Any:
        user = self.request.user
        if not (access.can_see_register(user) or access.can_lodge_complaint(user)):
            raise Http404
        return complaint_services.complaints_for(user=user)

    @extend_schema(request=ComplaintLodgeSerializer, responses={201: ComplaintSerializer})
    def post(self, request: SignedInApiRequest) -> Response:
        if access.can_record_complaint_on_behalf(request.user):
            return self._record_on_behalf(request)
        if not access.can_lodge_complaint(request.user):
            raise Http404
        incoming = ComplaintLodgeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        given = sorted(name for name in ON_BEHALF_FIELDS if name in incoming.validated_data)
        if given:
            raise serializers.ValidationError(
                {name: "Only the practice administrator records a complaint on someone's behalf." for name in given}
            )
        engagement = None
        engagement_id = incoming.validated_data.get("engagement")
        if engagement_id is not None:
            engagement = access.complaint_engagements_for(request.user).filter(pk=engagement_id).first()
            if engagement is None:
                raise serializers.ValidationError({"engagement": "Choose one of your own engagements, or none."})
        complaint = complaint_services.complaint_lodge(
            actor=request.user,
            about=incoming.validated_data["about"],
            body=incoming.validated_data["body"],
            engagement=engagement,
        )
        return _read_complaint(request, complaint, status.HTTP_201_CREATED)

    def _record_on_behalf(self, request: SignedInApiRequest) -> Response:
        """The administrator records a complaint that arrived by post, telephone, in person or e-mail."""
        incoming = ComplaintLodgeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        missing = {name: "This field is required." for name in ("client", "received_by") if name not in data}
        if missing:
            raise serializers.ValidationError(missing)
        client = access.clients_visible_to(request.user).filter(pk=data["client"]).first()
        if client is None:
            raise serializers.ValidationError({"client": "Choose one of the practice's clients."})
        engagement = None
        if data.get("engagement") is not None:
            engagement = client.engagements.filter(pk=data["engagement"]).first()
            if engagement is None:
                raise serializers.ValidationError({"engagement": "Choose one of this client's engagements, or none."})
        complaint = complaint_services.complaint_record_on_behalf(
            actor=request.user,
            client=client,
            about=data["about"],
            body=data["body"],
            received_by=data["received_by"],
            evidence=data.get("evidence", ""),
            received_on=data.get("received_on"),
            engagement=engagement,
        )
        return _read_complaint(request, complaint, status.HTTP_201_CREATED)


@extend_schema(tags=["complaints"])
class ComplaintDetail(APIView):
    """One complaint with its text and the practice's responses. Reading it is audited."""

    @extend_schema(responses=ComplaintSerializer)
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        return _read_complaint(request, access.complaint_get_for(request.user, pk))


class ComplaintRespondSerializer(serializers.Serializer[Any]):
    message = StrictCharField(max_length=COMPLAINT_MAX_CHARS)
    outcome = serializers.ChoiceField(
        choices=Complaint.Outcome.choices, required=False, help_text="Give an outcome to close the complaint."
    )


@extend_schema(tags=["complaints"])
class ComplaintRespond(APIView):
    """The administrator responds to the client; with an outcome, the response is final and closes it."""

    @extend_schema(request=ComplaintRespondSerializer, responses={201: ComplaintSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        complaint = access.complaint_get_for(request.user, pk)
        if not access.can_respond_to_complaint(request.user, complaint):
            raise Http404
        incoming = ComplaintRespondSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        outcome = incoming.validated_data.get("outcome")
        if outcome:
            complaint_services.complaint_close(
                actor=request.user, complaint=complaint, outcome=outcome, message=incoming.validated_data["message"]
            )
        else:
            complaint_services.complaint_respond(
                actor=request.user, complaint=complaint, message=incoming.validated_data["message"]
            )
        return _read_complaint(request, complaint, status.HTTP_201_CREATED)


@extend_schema(tags=["complaints"])
class ComplaintLetterPosted(APIView):
    """The administrator posted the letter of a response to a client without a portal sign-in
    (400 when it is already marked posted)."""

    @extend_schema(request=None, responses={200: ComplaintResponseSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        response: ComplaintResponse = access.complaint_letter_get_for(request.user, pk)
        complaint_services.complaint_letter_mark_posted(actor=request.user, response=response)
        return Response(ComplaintResponseSerializer(response).data)


# --- breaches -------------------------------------------------------------------------------


class BreachSummarySerializer(serializers.Serializer[Breach]):
    id = serializers.UUIDField(read_only=True)
    reference = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    reported_at = serializers.DateTimeField(read_only=True)
    discovered_at = serializers.DateTimeField(read_only=True)
    notify_by = serializers.DateTimeField(read_only=True)
    notification = serializers.CharField(read_only=True)
    regulator_notified_at = serializers.DateTimeField(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    deadline = serializers.SerializerMethodField()

    @extend_schema_field(DeadlineField(allow_null=True))
    def get_deadline(self, obj: Breach) -> dict[str, Any] | None:
        return _deadline(complaint_services.breach_next_deadline(obj))


class BreachReportSerializer(BreachSummarySerializer):
    """What the person who reported it wrote."""

    what_happened = serializers.CharField(read_only=True)
    information_involved = serializers.CharField(read_only=True)
    people_affected = serializers.CharField(read_only=True)
    people_affected_count = serializers.IntegerField(read_only=True, allow_null=True)


class BreachSerializer(BreachReportSerializer):
    """The whole record: the administrator's."""

    containment = serializers.CharField(read_only=True)
    notification_reason = serializers.CharField(read_only=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    regulator_reference = serializers.CharField(read_only=True)
    outcome = serializers.CharField(read_only=True)
    cause = serializers.CharField(read_only=True)
    disciplinary_follow_up = serializers.CharField(read_only=True)
    complaint = serializers.UUIDField(source="complaint_id", read_only=True, allow_null=True)
    version = serializers.IntegerField(read_only=True)


class BreachRecordSerializer(serializers.Serializer[Any]):
    discovered_at = serializers.DateTimeField()
    what_happened = StrictCharField(max_length=BREACH_TEXT_MAX_CHARS)
    information_involved = StrictCharField(max_length=BREACH_TEXT_MAX_CHARS)
    people_affected = StrictCharField(max_length=BREACH_TEXT_MAX_CHARS)
    people_affected_count = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    containment = StrictCharField(max_length=BREACH_TEXT_MAX_CHARS, required=False, allow_blank=True)
    complaint = serializers.UUIDField(required=False, allow_null=True, help_text="Administrator only.")


class BreachUpdateSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(help_text="The version you read; a stale version answers 409.")
    discovered_at = serializers.DateTimeField(required=False)
    what_happened = StrictCharField(max_length=BREACH_TEXT_MAX_CHARS, required=False)
    information_involved = StrictCharField(max_length=BREACH_TEXT_MAX_CHARS, required=False)
    people_affected = StrictCharField(max_length=BREACH_TEXT_MAX_CHARS, required=False)
    people_affected_count = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    containment = StrictCharField(max_length=BREACH_TEXT_MAX_CHARS, required=False, allow_blank=True)
    notification = serializers.ChoiceField(choices=Breach.Notification.choices, required=False)
    cause = serializers.ChoiceField(choices=Breach.Cause.choices, required=False)
    notification_reason = StrictCharField(max_length=BREACH_TEXT_MAX_CHARS, required=False, allow_blank=True)
    regulator_notified_at = serializers.DateTimeField(required=False, allow_null=True)
    regulator_reference = StrictCharField(max_length=REFERENCE_MAX_CHARS, required=False, allow_blank=True)
    outcome = StrictCharField(max_length=BREACH_TEXT_MAX_CHARS, required=False, allow_blank=True)
    disciplinary_follow_up = StrictCharField(max_length=BREACH_TEXT_MAX_CHARS, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError({name: "This field cannot be changed." for name in sorted(unknown)})
        return attrs


class BreachVersionSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(help_text="The version you read; a stale version answers 409.")


# What GET and POST answer depends on the caller, and the administrator's record has every field of
# the reporter's: documented as the reporter's, which both answers are (a ``oneOf`` would match both).
BREACH_AS_SEEN = OpenApiResponse(
    BreachReportSerializer,
    description="The coach who reported the breach gets these fields; the administrator gets the whole "
    "record, as PATCH answers it.",
)


def _read_breach(request: SignedInApiRequest, breach: Breach, code: int = status.HTTP_200_OK) -> Response:
    complaint_services.breach_read(user=request.user, breach=breach)
    serializer = BreachSerializer if access.can_handle_breach(request.user, breach) else BreachReportSerializer
    return Response(serializer(breach).data, status=code)


def _conflict(exc: ConflictError) -> Response:
    return Response({"detail": exc.messages[0]}, status=status.HTTP_409_CONFLICT)


@extend_schema(tags=["breaches"])
class BreachList(generics.ListAPIView[Breach]):
    """Breaches: all for the administrator, those a coach reported for that coach. POST records one
    (administrator) or reports a suspected one (coach)."""

    request: SignedInApiRequest  # IsAuthenticated, the default permission, lets in only people with an account

    serializer_class = BreachSummarySerializer
    pagination_class = ReportedAtPage

    def get_queryset(self) -> Any:
        if not access.can_report_breach(self.request.user):
            raise Http404
        return complaint_services.breaches_for(user=self.request.user)

    @extend_schema(request=BreachRecordSerializer, responses={201: BREACH_AS_SEEN})
    def post(self, request: SignedInApiRequest) -> Response:
        if not access.can_report_breach(request.user):
            raise Http404
        incoming = BreachRecordSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        complaint_id = data.pop("complaint", None)
        complaint = None
        if complaint_id is not None:
            if not access.can_see_register(request.user):
                raise serializers.ValidationError(
                    {"complaint": "Only the administrator links a breach to a complaint."}
                )
            complaint = access.complaint_get_for(request.user, complaint_id)
        breach = complaint_services.breach_record(actor=request.user, complaint=complaint, **data)
        return _read_breach(request, breach, status.HTTP_201_CREATED)


@extend_schema(tags=["breaches"])
class BreachDetail(APIView):
    """One breach. The administrator sees and changes (PATCH) the whole record; a coach sees what
    they reported and where it stands. Reading it is audited."""

    @extend_schema(responses=BREACH_AS_SEEN)
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        return _read_breach(request, access.breach_get_for(request.user, pk))

    @extend_schema(request=BreachUpdateSerializer, responses={200: BreachSerializer, 409: OpenApiTypes.OBJECT})
    def patch(self, request: SignedInApiRequest, pk: str) -> Response:
        breach = access.breach_get_for(request.user, pk)
        if not access.can_handle_breach(request.user, breach):
            raise Http404
        incoming = BreachUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        changes = dict(incoming.validated_data)
        version = changes.pop("version")
        try:
            complaint_services.breach_update(
                actor=request.user, breach=breach, expected_version=version, changes=changes
            )
        except ConflictError as exc:
            return _conflict(exc)
        return _read_breach(request, breach)


def _transition(request: SignedInApiRequest, pk: str, service: Any) -> Response:
    breach = access.breach_get_for(request.user, pk)
    if not access.can_handle_breach(request.user, breach):
        raise Http404
    incoming = BreachVersionSerializer(data=request.data)
    incoming.is_valid(raise_exception=True)
    try:
        service(actor=request.user, breach=breach, expected_version=incoming.validated_data["version"])
    except ConflictError as exc:
        return _conflict(exc)
    return _read_breach(request, breach)


@extend_schema(tags=["breaches"])
class BreachConfirm(APIView):
    """The administrator confirms that a suspected breach is one."""

    @extend_schema(request=BreachVersionSerializer, responses={200: BreachSerializer, 409: OpenApiTypes.OBJECT})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        return _transition(request, pk, complaint_services.breach_confirm)


@extend_schema(tags=["breaches"])
class BreachClose(APIView):
    """The administrator closes a breach whose record is complete (400 names what is missing)."""

    @extend_schema(request=BreachVersionSerializer, responses={200: BreachSerializer, 409: OpenApiTypes.OBJECT})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        return _transition(request, pk, complaint_services.breach_close)
