"""Breach letters over the API (UK GDPR art. 34): the administrator's, as on the breach's page.

The same services and the same policy: everyone else gets 404. Reading the letters (their text is
decrypted) is audited; a client or sponsor reads their own letter in the portal, not here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

import access
from complaints import letters
from complaints.models import Breach, BreachCommunication
from complaints.services import BREACH_TEXT_MAX_CHARS
from confidentiality.api import StrictCharField
from confidentiality.audit import audit_record
from engagements.services import ConflictError

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInApiRequest


class AffectedSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(read_only=True)
    kind = serializers.SerializerMethodField()
    client = serializers.UUIDField(source="client_id", read_only=True, allow_null=True)
    organisation = serializers.UUIDField(source="organisation_id", read_only=True, allow_null=True)
    letter_produced_at = serializers.DateTimeField(read_only=True, allow_null=True)
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    posted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    first_read_at = serializers.DateTimeField(read_only=True, allow_null=True)
    state = serializers.CharField(read_only=True)

    def get_kind(self, obj: Any) -> str:
        return "client" if obj.client_id is not None else "organisation"


class BreachLettersSerializer(serializers.Serializer[Any]):
    """The decision, the letter's text and each person affected with the state of their letter."""

    version = serializers.IntegerField(help_text="Send it back to change the decision; a stale one answers 409.")
    decision = serializers.CharField()
    reason = serializers.CharField()
    public_communication = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    nature = serializers.CharField()
    consequences = serializers.CharField()
    measures = serializers.CharField()
    advice = serializers.CharField()
    affected = AffectedSerializer(many=True)


class DecisionSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(help_text="The version you read; a stale version answers 409.")
    decision = serializers.ChoiceField(choices=BreachCommunication.Decision.choices)
    reason = StrictCharField(max_length=BREACH_TEXT_MAX_CHARS, required=False, allow_blank=True)
    public_communication = StrictCharField(max_length=BREACH_TEXT_MAX_CHARS, required=False, allow_blank=True)


class ProducedSerializer(serializers.Serializer[Any]):
    sent = serializers.IntegerField(
        help_text="Letters sent to portal logins (a notice and an e-mail pointing to them)."
    )
    to_post = serializers.IntegerField(help_text="Letters to print and post: no portal login.")


def _handled(request: SignedInApiRequest, pk: str) -> Breach:
    breach: Breach = access.breach_get_for(request.user, pk)
    if not access.can_handle_breach(request.user, breach):
        raise Http404
    return breach


def _letters(request: SignedInApiRequest, breach: Breach, code: int = status.HTTP_200_OK) -> Response:
    from confidentiality.crypto import load_data_keys

    load_data_keys([breach.data_key_id])
    communication = letters.communication_of(breach)
    audit_record(actor=request.user, action="breach.letters.read", obj=breach)
    texts = ("reason", "public_communication", "nature", "consequences", "measures", "advice")
    data = {
        "version": communication.version if communication is not None else 1,
        "decision": communication.decision if communication is not None else BreachCommunication.Decision.UNDECIDED,
        "decided_at": communication.decided_at if communication is not None else None,
        **{name: getattr(communication, name) if communication is not None else "" for name in texts},
        "affected": letters.breach_affected_for(user=request.user, breach=breach),
    }
    return Response(BreachLettersSerializer(data).data, status=code)


def _conflict(exc: ConflictError) -> Response:
    return Response({"detail": exc.messages[0]}, status=status.HTTP_409_CONFLICT)


@extend_schema(tags=["breaches"])
class BreachLetters(APIView):
    """The administrator's view of a breach's letters: the decision, the text and who has theirs."""

    @extend_schema(responses=BreachLettersSerializer)
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        return _letters(request, _handled(request, pk))


@extend_schema(tags=["breaches"])
class BreachLettersDecide(APIView):
    """Record whether the people affected are told (article 34(1)) or why not (34(3)), with the reason."""

    @extend_schema(request=DecisionSerializer, responses={200: BreachLettersSerializer, 409: OpenApiTypes.OBJECT})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        breach = _handled(request, pk)
        incoming = DecisionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            letters.breach_communication_decide(
                actor=request.user,
                breach=breach,
                expected_version=data["version"],
                decision=data["decision"],
                reason=data.get("reason", ""),
                public_communication=data.get("public_communication", ""),
            )
        except ConflictError as exc:
            return _conflict(exc)
        return _letters(request, breach)


@extend_schema(tags=["breaches"])
class BreachLettersProduce(APIView):
    """Produce the letters not produced yet: sent to portal logins, or left to post (400 says what is missing)."""

    @extend_schema(request=None, responses={200: ProducedSerializer})
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        breach = _handled(request, pk)
        produced = letters.breach_letters_produce(actor=request.user, breach=breach)
        return Response(ProducedSerializer({"sent": produced.sent, "to_post": produced.to_post}).data)
