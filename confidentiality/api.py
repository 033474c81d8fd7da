from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from confidentiality import access


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    display_name = serializers.CharField()
    role = serializers.CharField(allow_null=True)


@extend_schema(responses=MeSerializer, tags=["account"])
@api_view(["GET"])
def me(request: Request) -> Response:
    """Who the token or session belongs to, and their role."""
    user: Any = request.user
    role = access.role_of(user)
    return Response(
        MeSerializer(
            {
                "id": user.pk,
                "email": user.email,
                "display_name": user.display_name,
                "role": role.value if role else None,
            }
        ).data
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Service errors become clear 4xx answers; nothing about the data leaks into them."""
    if isinstance(exc, ValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "You may not do this.")
    return drf_exception_handler(exc, context)
