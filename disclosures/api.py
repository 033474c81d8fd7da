"""Disclosures and concerns over the API: the same services and policy as the pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

import access
from confidentiality.api import StrictCharField
from confidentiality.audit import audit_engagement_event
from confidentiality.crypto import load_data_keys
from confidentiality.pagination import CursorPage
from confidentiality.roles import Role
from consent.models import ConsentRecord
from disclosures import concerns
from disclosures import services as disclosure_services
from disclosures import sharing as sharing_services
from disclosures.models import Concern, RecipientKind

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInApiRequest
    from confidentiality.models import User


class DisclosureSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(read_only=True)
    engagement = serializers.UUIDField(source="engagement_id", read_only=True)
    concern = serializers.UUIDField(source="concern_id", read_only=True, allow_null=True)
    what = serializers.CharField(read_only=True)
    recipient_kind = serializers.CharField(read_only=True)
    recipient = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)
    basis = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True)
    authorised_by = serializers.CharField(read_only=True)
    second_approved_by = serializers.CharField(read_only=True, allow_null=True)
    consent = serializers.UUIDField(source="consent_id", read_only=True, allow_null=True)
    document = serializers.UUIDField(source="document_id", read_only=True, allow_null=True)
    concerns_organisation = serializers.BooleanField(read_only=True)
    organisation_consent = serializers.UUIDField(source="organisation_consent_id", read_only=True, allow_null=True)
    report = serializers.UUIDField(source="report_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    made_at = serializers.DateTimeField(read_only=True, allow_null=True)
    confirmation_sent_at = serializers.DateTimeField(read_only=True, allow_null=True)


class DisclosureWriteSerializer(serializers.Serializer[Any]):
    what = StrictCharField(
        max_length=disclosure_services.TEXT_MAX_CHARS, help_text="The specifics disclosed, nothing more."
    )
    recipient_kind = serializers.ChoiceField(choices=RecipientKind.choices)
    recipient = StrictCharField(max_length=disclosure_services.RECIPIENT_MAX_CHARS)
    reason = StrictCharField(max_length=disclosure_services.TEXT_MAX_CHARS)
    basis = serializers.ChoiceField(choices=disclosure_services.CHOOSABLE_BASES)
    consent = serializers.UUIDField(required=False, allow_null=True, help_text="For basis client_consent.")
    document = serializers.UUIDField(required=False, allow_null=True, help_text="A document of this engagement.")
    concerns_organisation = serializers.BooleanField(
        required=False, default=False, help_text="The information concerns the organisation as well."
    )
    organisation_consent = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="The organisation's written consent, a document of this engagement: needed as well as the "
        "client's when the information concerns the organisation.",
    )
    supervisor = serializers.IntegerField(required=False, allow_null=True, help_text="A coach's user id.")


def _supervisor(user: User, pk: int | None) -> Any:
    if pk is None:
        return None
    found = access.supervisors_for(user).filter(pk=pk).first()
    if found is None:
        raise serializers.ValidationError({"supervisor": "Name another coach of the practice as supervisor."})
    return found


def _require_writer(user: User, engagement: Any) -> None:
    """Outside the need-to-know: 404. Reads the register but may not write it: 403."""
    if access.can_write_disclosures(user, engagement):
        return
    if access.can_read_disclosures(user, engagement):
        raise PermissionDenied("Only a coach on this engagement records disclosures and works on concerns.")
    raise Http404


def _evidence(engagement: Any, data: dict[str, Any]) -> tuple[Any, Any, Any]:
    from engagements.models import Document

    consent = document = organisation_consent = None
    if data.get("organisation_consent"):
        organisation_consent = Document.objects.filter(pk=data["organisation_consent"], engagement=engagement).first()
        if organisation_consent is None:
            raise serializers.ValidationError({"organisation_consent": "No such document on this engagement."})
    if data.get("consent"):
        consent = ConsentRecord.objects.filter(pk=data["consent"], client_id=engagement.client_id).first()
        if consent is None:
            raise serializers.ValidationError({"consent": "No such consent of this client."})
    if data.get("document"):
        document = Document.objects.filter(pk=data["document"], engagement=engagement).first()
        if document is None:
            raise serializers.ValidationError({"document": "No such document on this engagement."})
    return consent, document, organisation_consent


@extend_schema(tags=["disclosures"])
class EngagementDisclosures(APIView):
    """An engagement's disclosure register. Coaches on it record; the administrator and the client read."""

    @extend_schema(responses=DisclosureSerializer(many=True))
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        engagement = access.engagement_get_for(request.user, pk)
        if not access.can_read_disclosures(request.user, engagement):
            raise Http404
        entries = list(disclosure_services.disclosures_for(user=request.user, engagement=engagement)[:100])
        load_data_keys([engagement.data_key_id])
        data = DisclosureSerializer(entries, many=True).data
        disclosure_services.audit_disclosure_reads(actor=request.user, engagement=engagement, disclosures=entries)
        return Response(data)

    @extend_schema(request=DisclosureWriteSerializer, responses={201: DisclosureSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        engagement = access.engagement_get_for(request.user, pk)
        _require_writer(request.user, engagement)
        incoming = DisclosureWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        consent, document, organisation_consent = _evidence(engagement, data)
        made = disclosure_services.disclosure_record(
            actor=request.user,
            engagement=engagement,
            what=data["what"],
            recipient_kind=data["recipient_kind"],
            recipient=data["recipient"],
            reason=data["reason"],
            basis=data["basis"],
            consent=consent,
            document=document,
            concerns_organisation=data["concerns_organisation"],
            organisation_consent=organisation_consent,
            supervisor=_supervisor(request.user, data.get("supervisor")),
        )
        return Response(DisclosureSerializer(made).data, status=status.HTTP_201_CREATED)


class ConcernSummarySerializer(serializers.Serializer[Any]):
    """A list entry: no text, so listing reads nothing confidential."""

    id = serializers.UUIDField(read_only=True)
    engagement = serializers.UUIDField(source="engagement_id", read_only=True)
    kind = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True)
    serious_danger = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ConcernStepSerializer(serializers.Serializer[Any]):
    step = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField(help_text="done, skipped, not_needed, current or later")
    text = serializers.CharField(allow_null=True)
    outcome = serializers.CharField(allow_null=True)
    detail = serializers.CharField(allow_null=True)
    recipient_kind = serializers.CharField(allow_null=True)
    basis = serializers.CharField(allow_null=True)
    disclosure = serializers.UUIDField(allow_null=True)
    recorded_by = serializers.CharField(allow_null=True)
    recorded_at = serializers.DateTimeField(allow_null=True)


class ConcernSerializer(ConcernSummarySerializer):
    withdrawal_reason = serializers.SerializerMethodField()
    next_step = serializers.SerializerMethodField()

    def get_withdrawal_reason(self, obj: Concern) -> str | None:
        """Why it was withdrawn: the practice's working, not shown to the client."""
        request = self.context.get("request")
        if request is None or access.role_of(request.user) == Role.CLIENT:
            return None
        return str(obj.withdrawal_reason) if obj.withdrawal_reason else None

    awaiting_approval = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()

    def get_next_step(self, obj: Concern) -> str | None:
        step = concerns.next_step(obj) if obj.state == Concern.State.OPEN else None
        return step.key if step else None

    def get_awaiting_approval(self, obj: Concern) -> str | None:
        pending = concerns.pending_disclosure(obj)
        return str(pending.pk) if pending else None

    @extend_schema(responses=ConcernStepSerializer(many=True))
    def get_steps(self, obj: Concern) -> list[dict[str, Any]]:
        rows = []
        for view in concerns.step_views(obj, concerns.taken_steps(obj)):
            record = view.record
            rows.append(
                {
                    "step": view.step.key,
                    "title": view.step.title,
                    "status": view.status,
                    "text": record.text if record else None,
                    "outcome": (record.outcome or None) if record else None,
                    "detail": (record.detail or None) if record else None,
                    "recipient_kind": (record.recipient_kind or None) if record else None,
                    "basis": (record.basis or None) if record else None,
                    "disclosure": record.disclosure_id if record else None,
                    "recorded_by": str(record.recorded_by) if record else None,
                    "recorded_at": record.recorded_at if record else None,
                }
            )
        return list(ConcernStepSerializer(rows, many=True).data)


class ConcernStartSerializer(serializers.Serializer[Any]):
    engagement = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=Concern.Kind.choices)
    text = StrictCharField(
        max_length=disclosure_services.TEXT_MAX_CHARS, help_text="The issue, noted while it is fresh."
    )
    serious_danger = serializers.BooleanField(default=False)
    supervisor = serializers.IntegerField(required=False, allow_null=True, help_text="A coach's user id.")


def _read(request: SignedInApiRequest, concern: Concern, code: int = status.HTTP_200_OK) -> Response:
    load_data_keys([concern.engagement.data_key_id])
    data = ConcernSerializer(concern, context={"request": request}).data
    audit_engagement_event(request.user, "concern.read", concern.engagement, concern, steps=len(data["steps"]))
    return Response(data, status=code)


@extend_schema(tags=["concerns"])
class ConcernList(APIView):
    """Concerns the caller may see; a coach on an engagement starts one."""

    @extend_schema(responses=ConcernSummarySerializer(many=True))
    def get(self, request: SignedInApiRequest) -> Response:
        from confidentiality.roles import Role

        if access.role_of(request.user) not in (Role.ADMIN, Role.COACH, Role.CLIENT):
            raise Http404
        visible = access.concerns_visible_to(request.user).order_by("-created_at")[:100]
        return Response(ConcernSummarySerializer(visible, many=True).data)

    @extend_schema(request=ConcernStartSerializer, responses={201: ConcernSerializer})
    def post(self, request: SignedInApiRequest) -> Response:
        incoming = ConcernStartSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        engagement = access.engagement_get_for(request.user, data["engagement"])
        _require_writer(request.user, engagement)
        concern = concerns.concern_start(
            actor=request.user,
            engagement=engagement,
            kind=data["kind"],
            text=data["text"],
            serious_danger=data["serious_danger"],
            supervisor=_supervisor(request.user, data.get("supervisor")),
        )
        return _read(request, access.concern_get_for(request.user, concern.pk), status.HTTP_201_CREATED)


@extend_schema(tags=["concerns"])
class ConcernDetail(APIView):
    """One concern with its steps: who took each and when. Audited."""

    @extend_schema(responses=ConcernSerializer)
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        return _read(request, access.concern_get_for(request.user, pk))


class ConcernStepWriteSerializer(serializers.Serializer[Any]):
    step = serializers.CharField(help_text="The step you were shown as next; another is refused.")
    skip = serializers.BooleanField(default=False, help_text="Skip it (serious danger only); give the reason in text.")
    text = StrictCharField(max_length=disclosure_services.TEXT_MAX_CHARS, required=False, allow_blank=True)
    outcome = serializers.CharField(required=False, allow_blank=True)
    detail = StrictCharField(max_length=disclosure_services.TEXT_MAX_CHARS, required=False, allow_blank=True)
    recipient_kind = serializers.CharField(required=False, allow_blank=True)
    basis = serializers.CharField(required=False, allow_blank=True)
    consent = serializers.UUIDField(required=False, allow_null=True)
    document = serializers.UUIDField(required=False, allow_null=True)


@extend_schema(tags=["concerns"])
class ConcernStepAction(APIView):
    """Take the next step of a concern (coach on the engagement)."""

    @extend_schema(request=ConcernStepWriteSerializer, responses={200: ConcernSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        def take(concern: Concern, data: dict[str, Any]) -> None:
            if data.pop("skip"):
                concerns.concern_skip_step(
                    actor=request.user, concern=concern, step=data["step"], reason=data.get("text", "")
                )
                return
            consent, document, _ = _evidence(concern.engagement, data)
            concerns.concern_record_step(
                actor=request.user,
                concern=concern,
                step=data["step"],
                text=data.get("text", ""),
                outcome=data.get("outcome", ""),
                detail=data.get("detail", ""),
                recipient_kind=data.get("recipient_kind", ""),
                basis=data.get("basis", ""),
                consent=consent,
                document=document,
            )

        return _act_on_concern(request, pk, ConcernStepWriteSerializer, take)


def _act_on_concern(
    request: SignedInApiRequest,
    pk: str,
    incoming_class: type[serializers.Serializer[Any]],
    act: Callable[[Concern, dict[str, Any]], Any],
) -> Response:
    """A coach on the engagement acts on its concern; the answer is the concern as it now stands."""
    concern = access.concern_get_for(request.user, pk)
    _require_writer(request.user, concern.engagement)
    incoming = incoming_class(data=request.data)
    incoming.is_valid(raise_exception=True)
    act(concern, dict(incoming.validated_data))
    return _read(request, access.concern_get_for(request.user, pk))


class ConcernChangeSerializer(serializers.Serializer[Any]):
    step = serializers.CharField(help_text="A step already taken: its answer, and those after it, open again.")


@extend_schema(tags=["concerns"])
class ConcernChange(APIView):
    """Take a step's answer back to change it, until the disclosure is made (the earlier answer is kept)."""

    @extend_schema(request=ConcernChangeSerializer, responses={200: ConcernSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        return _act_on_concern(
            request,
            pk,
            ConcernChangeSerializer,
            lambda concern, data: concerns.concern_change_step(actor=request.user, concern=concern, step=data["step"]),
        )


class ConcernWithdrawSerializer(serializers.Serializer[Any]):
    reason = StrictCharField(max_length=disclosure_services.TEXT_MAX_CHARS)


@extend_schema(tags=["concerns"])
class ConcernWithdraw(APIView):
    """Withdraw a concern with the reason, unless a disclosure was made under it or waits for approval."""

    @extend_schema(request=ConcernWithdrawSerializer, responses={200: ConcernSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        return _act_on_concern(
            request,
            pk,
            ConcernWithdrawSerializer,
            lambda concern, data: concerns.concern_withdraw(actor=request.user, concern=concern, reason=data["reason"]),
        )


class ConcernApproveSerializer(serializers.Serializer[Any]):
    approve = serializers.BooleanField(help_text="true to approve the disclosure, false not to.")


class DisclosureDecisionSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(read_only=True)
    state = serializers.CharField(read_only=True)
    made_at = serializers.DateTimeField(read_only=True, allow_null=True)
    confirmation_sent_at = serializers.DateTimeField(read_only=True, allow_null=True)


@extend_schema(tags=["concerns"])
class ConcernApprove(APIView):
    """The second approval of the concern's disclosure: the administrator or the named supervisor."""

    @extend_schema(request=ConcernApproveSerializer, responses={200: DisclosureDecisionSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        concern = access.concern_get_for(request.user, pk)
        pending = concerns.pending_disclosure(concern)
        if pending is None:
            raise serializers.ValidationError({"detail": "No disclosure of this concern waits for approval."})
        incoming = ConcernApproveSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        decided = disclosure_services.disclosure_decide(
            actor=request.user, disclosure=pending, approve=incoming.validated_data["approve"]
        )
        return Response(DisclosureDecisionSerializer(decided).data)


# --- sharing between organisations (policy 000) -----------------------------------------------


class SharingPermissionSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(read_only=True)
    organisation = serializers.UUIDField(source="organisation_id", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    state = serializers.CharField(read_only=True)
    method = serializers.CharField(read_only=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)


class SharingSummarySerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(read_only=True)
    reference = serializers.CharField(read_only=True)
    organisation = serializers.UUIDField(source="organisation_id", read_only=True)
    to_organisation = serializers.UUIDField(source="to_organisation_id", read_only=True, allow_null=True)
    to_outside_body = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    shared_at = serializers.DateTimeField(read_only=True, allow_null=True)
    withdrawn_at = serializers.DateTimeField(read_only=True, allow_null=True)


class SharingSerializer(SharingSummarySerializer):
    what = serializers.CharField(read_only=True)
    why = serializers.CharField(read_only=True)
    permissions = SharingPermissionSerializer(many=True, read_only=True)


class SharingCreateSerializer(serializers.Serializer[Any]):
    organisation = serializers.UUIDField(help_text="The organisation whose information it is.")
    to_organisation = serializers.UUIDField(required=False, allow_null=True)
    to_outside_body = StrictCharField(required=False, allow_blank=True, max_length=200, default="")
    also_concerns = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    what = StrictCharField(max_length=10_000)
    why = StrictCharField(max_length=10_000)


class SharingDecisionSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=["give", "refuse"])


class SharingPermissionRecordSerializer(serializers.Serializer[Any]):
    organisation = serializers.UUIDField()
    decision = serializers.ChoiceField(choices=["give", "refuse"])
    evidence = serializers.UUIDField(required=False, allow_null=True, help_text="The organisation's document.")


def _organisation(user: User, pk: Any, field: str) -> Any:
    if pk is None:
        return None
    organisation = access.organisations_visible_to(user).filter(pk=pk).first()
    if organisation is None:
        raise serializers.ValidationError({field: "No such organisation."})
    return organisation


def _sharing_read(request: SignedInApiRequest, sharing: Any, code: int = status.HTTP_200_OK) -> Response:
    sharing_services.sharing_read(user=request.user, sharing=sharing)
    sharing = access.sharing_get_for(request.user, sharing.pk)
    return Response(SharingSerializer(sharing).data, status=code)


def _managed_sharing(request: SignedInApiRequest, pk: str) -> Any:
    sharing = access.sharing_get_for(request.user, pk)
    if not access.can_manage_sharings(request.user):
        raise PermissionDenied("Only the practice administrator can do this.")
    return sharing


@extend_schema(tags=["sharings"])
class SharingList(generics.ListAPIView[Any]):
    """The register (the administrator) or the sharings that concern the caller's organisation (a
    sponsor contact). No text: listing reads nothing. The administrator records one with POST."""

    request: SignedInApiRequest

    serializer_class = SharingSummarySerializer
    pagination_class = CursorPage

    def get_queryset(self) -> Any:
        if not access.shows_sharings_link(self.request.user):
            raise Http404
        return access.sharings_visible_to(self.request.user)

    @extend_schema(request=SharingCreateSerializer, responses={201: SharingSerializer})
    def post(self, request: SignedInApiRequest) -> Response:
        if not access.can_manage_sharings(request.user):
            raise Http404
        incoming = SharingCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        sharing = sharing_services.sharing_propose(
            actor=request.user,
            organisation=_organisation(request.user, data["organisation"], "organisation"),
            to_organisation=_organisation(request.user, data.get("to_organisation"), "to_organisation"),
            to_outside_body=data["to_outside_body"],
            also_concerns=[_organisation(request.user, pk, "also_concerns") for pk in data["also_concerns"]],
            what=data["what"],
            why=data["why"],
        )
        return _sharing_read(request, sharing, status.HTTP_201_CREATED)


@extend_schema(tags=["sharings"])
class SharingDetail(APIView):
    """One sharing with what and why, and each organisation's permission. Reading it is audited."""

    @extend_schema(responses=SharingSerializer)
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        return _sharing_read(request, access.sharing_get_for(request.user, pk))


@extend_schema(tags=["sharings"])
class SharingPermissionDecide(APIView):
    """A sponsor contact gives or refuses their organisation's written permission."""

    @extend_schema(request=SharingDecisionSerializer, responses=SharingSerializer)
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        sharing = access.sharing_get_for(request.user, pk)
        if access.can_manage_sharings(request.user):
            raise PermissionDenied("The administrator records an organisation's permission with its document.")
        incoming = SharingDecisionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        sharing_services.sharing_permission_decide(
            actor=request.user, sharing=sharing, give=incoming.validated_data["decision"] == "give"
        )
        return _sharing_read(request, sharing)


@extend_schema(tags=["sharings"])
class SharingPermissionRecord(APIView):
    """The administrator records a permission given (or refused) in writing, on the organisation's document."""

    @extend_schema(request=SharingPermissionRecordSerializer, responses=SharingSerializer)
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        from engagements.models import Document

        sharing = _managed_sharing(request, pk)
        incoming = SharingPermissionRecordSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        evidence = None
        if data.get("evidence") is not None:
            evidence = Document.objects.select_related("engagement").filter(pk=data["evidence"]).first()
            if evidence is None:
                raise serializers.ValidationError({"evidence": "No such document."})
        sharing_services.sharing_permission_record(
            actor=request.user,
            sharing=sharing,
            organisation=_organisation(request.user, data["organisation"], "organisation"),
            give=data["decision"] == "give",
            evidence=evidence,
        )
        return _sharing_read(request, sharing)


@extend_schema(tags=["sharings"])
class SharingShared(APIView):
    """Mark it shared; refused (400, naming them) while any organisation's written permission is missing."""

    @extend_schema(request=None, responses=SharingSerializer)
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        sharing = sharing_services.sharing_mark_shared(actor=request.user, sharing=_managed_sharing(request, pk))
        return _sharing_read(request, sharing)


@extend_schema(tags=["sharings"])
class SharingWithdraw(APIView):
    """A proposed sharing is not going ahead."""

    @extend_schema(request=None, responses=SharingSerializer)
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        sharing = sharing_services.sharing_withdraw(actor=request.user, sharing=_managed_sharing(request, pk))
        return _sharing_read(request, sharing)
