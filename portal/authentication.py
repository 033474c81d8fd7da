from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

import access
from confidentiality.addresses import client_address
from confidentiality.credentials import has_second_factor
from confidentiality.services import api_token_authenticate, api_token_used_from, token_expires_at


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer cpt_…`` with a token from the settings page or ``manage.py api_token``."""

    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("The Authorization header must be 'Bearer <token>'.")
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        token = api_token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed("The token is not valid, or it was revoked.")
        # Checked on every request, so a token stops working the moment its person's access ends:
        # the last day of a contract passed, they were signed out everywhere, an audit closed.
        if not access.account_in_force(token.user):
            raise exceptions.AuthenticationFailed("This account's access to the practice has ended.")
        cutoff = access.credentials_valid_from(token.user)
        if cutoff is not None and token.created_at < cutoff:
            raise exceptions.AuthenticationFailed(
                "This token no longer works: its person's access changed after it was made."
            )
        if token_expires_at(token) <= timezone.now():
            raise exceptions.AuthenticationFailed("This token has expired. Make a new one on your account page.")
        # A token stands in for a signed-in session: whoever needs a second factor to sign in needs
        # it in place for their token to work (removing it also revokes their tokens).
        if access.needs_second_factor(token.user) and not has_second_factor(token.user):
            raise exceptions.AuthenticationFailed(
                "This token no longer works: its person has no second factor. Set one up, then make a new token."
            )
        api_token_used_from(token, client_address(request))
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]  # drf-spectacular's __init_subclass__ is unannotated
    target_class = "portal.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal token from 'My account' or `manage.py api_token EMAIL`.",
        }
