"""Reads of the core that depend on who is asking."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from confidentiality.models import ApiToken

if TYPE_CHECKING:
    from confidentiality.models import User


def api_tokens_for(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


def api_token_get_for(*, user: User, pk: int) -> ApiToken:
    from django.http import Http404

    token = ApiToken.objects.filter(user=user, pk=pk, revoked_at__isnull=True).first()
    if token is None:
        raise Http404
    return token
