"""Sponsor reports over the API: the same state machine and policy as the pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

import access
from confidentiality.api import StrictCharField
from confidentiality.audit import audit_engagement_event
from confidentiality.crypto import load_data_keys
from reports import services as report_services
from reports.models import SponsorReport

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInApiRequest


class SectionSerializer(serializers.Serializer[Any]):
    category = serializers.CharField(source="category.key", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    body = serializers.CharField(read_only=True)


class ReportSerializer(serializers.Serializer[SponsorReport]):
    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True)
    current_version = serializers.IntegerField(read_only=True)
    approved_version = serializers.IntegerField(read_only=True, allow_null=True)
    released_at = serializers.DateTimeField(read_only=True, allow_null=True)
    version = serializers.SerializerMethodField()
    sections = serializers.SerializerMethodField()

    def _version(self, obj: SponsorReport) -> Any:
        return report_services.version_for(self.context["request"].user, obj)

    def get_version(self, obj: SponsorReport) -> int | None:
        version = self._version(obj)
        return version.number if version else None

    @extend_schema(responses=SectionSerializer(many=True))
    def get_sections(self, obj: SponsorReport) -> list[dict[str, Any]]:
        version = self._version(obj)
        if version is None:
            return []
        return list(SectionSerializer(version.sections.select_related("category"), many=True).data)


class ReportSummarySerializer(serializers.Serializer[Any]):
    """A list entry: no text, so listing reads nothing confidential (the detail is audited)."""

    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True)
    current_version = serializers.IntegerField(read_only=True)
    approved_version = serializers.IntegerField(read_only=True, allow_null=True)
    released_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ReportWriteSerializer(serializers.Serializer[Any]):
    title = StrictCharField(max_length=200, required=False)
    sections = serializers.DictField(
        child=StrictCharField(max_length=report_services.SECTION_MAX_CHARS, allow_blank=True, trim_whitespace=False),
        help_text="Category key → text. Only categories the signed agreement shares with the sponsor.",
    )
    version = serializers.IntegerField(required=False, help_text="For changes: the version you read.")


def _by_key(engagement: Any, sections: dict[str, str]) -> dict[int, str]:
    from consent.models import InformationCategory

    ids = dict(InformationCategory.objects.filter(key__in=sections).values_list("key", "pk"))
    unknown = set(sections) - set(ids)
    if unknown:
        raise serializers.ValidationError({"sections": f"Unknown categories: {', '.join(sorted(unknown))}."})
    return {ids[key]: text for key, text in sections.items()}


def _read(request: SignedInApiRequest, report: SponsorReport) -> Response:
    load_data_keys([report.engagement.data_key_id])
    data = ReportSerializer(report, context={"request": request}).data
    if data["version"] is not None:
        audit_engagement_event(request.user, "report.read", report.engagement, report, version=data["version"])
    return Response(data)


@extend_schema(tags=["reports"])
class ReportList(APIView):
    """Reports of an engagement the caller may see; coaches create drafts."""

    @extend_schema(responses=ReportSummarySerializer(many=True))
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        engagement = access.engagement_get_for(request.user, pk)
        visible = report_services.reports_visible_to(request.user, engagement).order_by("-created_at")[:100]
        return Response(ReportSummarySerializer(visible, many=True).data)

    @extend_schema(request=ReportWriteSerializer, responses={201: ReportSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        engagement = access.engagement_get_for(request.user, pk)
        incoming = ReportWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        report = report_services.report_create(
            actor=request.user,
            engagement=engagement,
            title=incoming.validated_data.get("title", ""),
            sections=_by_key(engagement, incoming.validated_data["sections"]),
        )
        return Response(ReportSerializer(report, context={"request": request}).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["reports"])
class ReportDetail(APIView):
    """One report at the version the caller may read. PATCH revises it (coach; send the version you read)."""

    @extend_schema(responses=ReportSerializer)
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        return _read(request, report_services.report_get_for(request.user, pk))

    @extend_schema(request=ReportWriteSerializer, responses=ReportSerializer)
    def patch(self, request: SignedInApiRequest, pk: str) -> Response:
        report = report_services.report_get_for(request.user, pk)
        incoming = ReportWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        if "version" not in incoming.validated_data:
            raise serializers.ValidationError({"version": "Send the version you read."})
        report = report_services.report_revise(
            actor=request.user,
            report=report,
            expected_version=incoming.validated_data["version"],
            sections=_by_key(report.engagement, incoming.validated_data["sections"]),
        )
        return Response(ReportSerializer(report, context={"request": request}).data)


class VersionSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(help_text="The version you read; another answers 409.")


def _action(name: str) -> type[APIView]:
    """submit and release (coach), approve and request-changes (client)."""

    @extend_schema(tags=["reports"], request=VersionSerializer, responses={200: ReportSerializer})
    def post(self: APIView, request: SignedInApiRequest, pk: str) -> Response:
        report = report_services.report_get_for(request.user, pk)
        incoming = VersionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        seen = incoming.validated_data["version"]
        try:
            if name == "submit":
                report = report_services.report_submit(actor=request.user, report=report, expected_version=seen)
            elif name == "release":
                report = report_services.report_release(actor=request.user, report=report, expected_version=seen)
            elif name == "approve":
                report = report_services.report_approve(actor=request.user, report=report, version_number=seen)
            else:
                report = report_services.report_request_changes(actor=request.user, report=report, version_number=seen)
        except report_services.ConflictError as exc:
            return Response({"detail": exc.messages[0]}, status=status.HTTP_409_CONFLICT)
        return Response(ReportSerializer(report, context={"request": request}).data)

    return type(f"Report{name.title().replace('-', '')}", (APIView,), {"post": post, "__doc__": f"{name} a report."})


ReportSubmit = _action("submit")
ReportApprove = _action("approve")
ReportRequestChanges = _action("request-changes")
ReportRelease = _action("release")
