"""Who is asking: the API's own account endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

import access
from confidentiality.models import ApiToken
from confidentiality.services import token_expires_at

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInApiRequest
    from confidentiality.models import User


class MeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    display_name = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    token_expires_at = serializers.DateTimeField(
        allow_null=True, help_text="When the token this request used stops working."
    )
    policies_to_accept = serializers.ListField(
        child=serializers.CharField(), help_text="Policies to accept in the web app before any other endpoint answers."
    )


@extend_schema(responses=MeSerializer, tags=["account"])
@api_view(["GET"])  # type: ignore[arg-type]  # DRF types the handler for any Request; IsAuthenticated below
@permission_classes([IsAuthenticated])  # answers before the policies are accepted, to say which
def me(request: SignedInApiRequest) -> Response:
    """Who the token belongs to, their role, and any policy they must accept first."""
    user: User = request.user
    role = access.role_of(user)
    return Response(
        MeSerializer(
            {
                "id": user.pk,
                "email": user.email,
                "display_name": user.display_name,
                "role": role.value if role else None,
                "token_expires_at": token_expires_at(request.auth) if isinstance(request.auth, ApiToken) else None,
                "policies_to_accept": [
                    f"{document.get_kind_display()} (version {document.version})"
                    for document in access.policies_to_accept(user)
                ],
            }
        ).data
    )
