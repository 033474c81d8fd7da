"""Agreements and consents over the API: the same services, the same policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

import access
from confidentiality.addresses import client_address
from confidentiality.api import AccessBeforeBody, StrictModelSerializer
from confidentiality.pagination import GivenAtCursorPage
from confidentiality.roles import Role
from consent import selectors, services
from consent.models import (
    Agreement,
    AgreementTemplate,
    AgreementTerm,
    ConsentRecord,
    InformationCategory,
    ProfessionalCode,
    Signature,
)
from consent.text import agreement_text

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInApiRequest


class TermSerializer(serializers.Serializer):
    category = serializers.CharField(source="category.name")
    category_key = serializers.CharField(source="category.key")
    shared = serializers.BooleanField()
    with_whom = serializers.CharField()
    by_whom = serializers.CharField()
    when = serializers.CharField()
    form = serializers.CharField()
    circumstances = serializers.CharField()


class SignatureSerializer(serializers.Serializer):
    party = serializers.CharField()
    name = serializers.SerializerMethodField()
    signed_at = serializers.DateTimeField()

    def get_name(self, obj: Any) -> str:
        return str(obj.user.display_name or obj.user.email)


class CoachCodeSerializer(serializers.Serializer):
    coach = serializers.SerializerMethodField()
    code = serializers.CharField(source="code.name")
    body = serializers.CharField(source="code.body")
    link = serializers.CharField(source="code.link")
    text = serializers.CharField(source="code.text")

    def get_coach(self, obj: Any) -> str:
        return str(obj.coach.display_name or obj.coach.email)


class AgreementSerializer(serializers.ModelSerializer):
    terms = TermSerializer(many=True, read_only=True)
    coach_codes = serializers.SerializerMethodField(help_text="The professional code each coach works under.")
    signatures = SignatureSerializer(many=True, read_only=True)
    text = serializers.SerializerMethodField()
    missing = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = [
            "id",
            "version",
            "state",
            "text_hash",
            "sent_at",
            "signed_at",
            *services.CONTENT_FIELDS,
            "terms",
            "coach_codes",
            "signatures",
            "text",
            "missing",
        ]
        read_only_fields = fields

    @extend_schema_field(CoachCodeSerializer(many=True))
    def get_coach_codes(self, obj: Agreement) -> Any:
        named = obj.coach_codes.select_related("coach", "code").order_by("coach__display_name", "coach_id")
        return CoachCodeSerializer(named, many=True).data

    def get_text(self, obj: Agreement) -> str:
        """The exact text; its SHA-256 is what a signature binds."""
        return agreement_text(obj).as_plain_text()

    def get_missing(self, obj: Agreement) -> list[str]:
        # The agreement is the engagement's current one (the views serialise nothing else): what it
        # lacks is read from it, not from a second read of the current agreement.
        return services.agreement_missing_from(obj.engagement, obj)


@extend_schema(tags=["agreements"])
class CurrentAgreement(APIView):
    """The engagement's agreement in force or waiting for signatures, with its terms and signatures."""

    @extend_schema(responses=AgreementSerializer)
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        engagement = access.engagement_get_for(request.user, pk)
        if not access.can_read_agreements(request.user, engagement):
            raise Http404
        agreement = services.current_agreement(engagement)
        if agreement is None:
            raise Http404
        # What the serialiser walks, read once: each term's category and each signer, in a query per
        # relation, not one per row (issue 23); the engagement is the one just read.
        agreement.engagement = engagement
        prefetch_related_objects(
            [agreement],
            Prefetch("terms", queryset=AgreementTerm.objects.select_related("category")),
            Prefetch("signatures", queryset=Signature.objects.select_related("user")),
        )
        return Response(AgreementSerializer(agreement).data)


class SignSerializer(serializers.Serializer):
    text_hash = serializers.RegexField(r"^[0-9a-f]{64}$", help_text="The SHA-256 of the text you read.")


@extend_schema(tags=["agreements"])
class SignAgreement(APIView):
    """Sign the current version. Refused (400) when the text changed since you read it."""

    @extend_schema(request=SignSerializer, responses={201: SignatureSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        engagement = access.engagement_get_for(request.user, pk)
        if access.agreement_party(request.user, engagement) is None:
            raise Http404
        agreement = services.current_agreement(engagement)
        if agreement is None:
            raise Http404
        incoming = SignSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        signature = services.agreement_sign(
            actor=request.user,
            agreement=agreement,
            shown_hash=incoming.validated_data["text_hash"],
            ip_address=client_address(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return Response(SignatureSerializer(signature).data, status=status.HTTP_201_CREATED)


class TemplateSerializer(StrictModelSerializer):
    terms = TermSerializer(many=True, read_only=True)
    copy_from = serializers.PrimaryKeyRelatedField(
        queryset=AgreementTemplate.objects.all(), write_only=True, help_text="The template to adapt."
    )

    class Meta:
        model = AgreementTemplate
        fields = ["id", "name", *services.CONTENT_FIELDS, "terms", "created_at", "copy_from"]
        read_only_fields = [f for f in fields if f not in ("name", "copy_from")]


@extend_schema(tags=["agreements"])
class TemplateList(AccessBeforeBody, generics.ListCreateAPIView):
    """The practice's agreement templates: the administrator and coaches only."""

    request: SignedInApiRequest  # IsAuthenticated, the default permission, lets in only people with an account

    serializer_class = TemplateSerializer

    def get_queryset(self) -> Any:
        if access.role_of(self.request.user) not in (Role.ADMIN, Role.COACH):
            raise Http404
        return selectors.templates_for(user=self.request.user).order_by("-created_at")

    def create_access(self) -> None:
        if access.role_of(self.request.user) not in (Role.ADMIN, Role.COACH):
            raise Http404

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.agreement_template_create(
            actor=self.request.user,
            name=serializer.validated_data["name"],
            source=serializer.validated_data["copy_from"],
        )


class ConsentSerializer(serializers.ModelSerializer):
    client = serializers.UUIDField(source="client_id", read_only=True)
    active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ConsentRecord
        fields = ["id", "client", "engagement", "kind", "wording", "method", "given_at", "withdrawn_at", "active"]
        read_only_fields = fields


@extend_schema(tags=["consents"])
class ConsentList(generics.ListAPIView):
    """Consents that concern the caller: their own (client), their clients' (coach), all (administrator)."""

    request: SignedInApiRequest  # IsAuthenticated, the default permission, lets in only people with an account

    serializer_class = ConsentSerializer
    pagination_class = GivenAtCursorPage

    def get_queryset(self) -> Any:
        if not access.can_record_consent_anywhere(self.request.user):
            raise Http404
        return selectors.consents_for(user=self.request.user)


@extend_schema(tags=["consents"])
class WithdrawConsent(APIView):
    """Withdraw a consent. It takes effect at once."""

    @extend_schema(request=None, responses=ConsentSerializer)
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        consent = selectors.consent_get_for(user=request.user, pk=pk)
        return Response(ConsentSerializer(services.consent_withdraw(actor=request.user, consent=consent)).data)


class CategorySerializer(StrictModelSerializer):
    class Meta:
        model = InformationCategory
        fields = ["id", "key", "name", "description", "builtin"]
        read_only_fields = ["id", "key", "builtin"]


@extend_schema(tags=["agreements"])
class CategoryList(AccessBeforeBody, generics.ListCreateAPIView):
    """Information categories: read by those who draft agreements; added by the administrator."""

    request: SignedInApiRequest  # IsAuthenticated, the default permission, lets in only people with an account

    serializer_class = CategorySerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        if access.role_of(self.request.user) not in (Role.ADMIN, Role.COACH):
            raise Http404
        return InformationCategory.objects.all()

    def create_access(self) -> None:
        access.require(self.request.user, access.Capability.MANAGE_PRACTICE)

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.information_category_create(actor=self.request.user, **serializer.validated_data)


class ProfessionalCodeSerializer(StrictModelSerializer):
    class Meta:
        model = ProfessionalCode
        fields = ["id", "name", "body", "link", "text", "active"]
        read_only_fields = ["id", "active"]


@extend_schema(tags=["agreements"])
class ProfessionalCodeList(AccessBeforeBody, generics.ListCreateAPIView):
    """The practice's professional codes still in use (policy 004): read by those who draft agreements,
    added by the administrator."""

    request: SignedInApiRequest  # IsAuthenticated, the default permission, lets in only people with an account

    serializer_class = ProfessionalCodeSerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        if access.role_of(self.request.user) not in (Role.ADMIN, Role.COACH):
            raise Http404
        return ProfessionalCode.objects.filter(active=True)

    def create_access(self) -> None:
        access.require(self.request.user, access.Capability.MANAGE_PRACTICE)

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.professional_code_create(actor=self.request.user, **serializer.validated_data)
