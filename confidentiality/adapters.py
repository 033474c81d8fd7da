from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.core.exceptions import PermissionDenied

from confidentiality.crypto import open_with_kek, seal_with_kek

if TYPE_CHECKING:
    from confidentiality.models import User

MFA_SECRET_PURPOSE = "mfa-secret"


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: Any) -> str:
        """The person's address behind the trusted proxy: allauth's rate limits and the session
        list then see people, not the proxy."""
        from confidentiality.addresses import client_address

        address = client_address(request)
        if address is None:
            raise PermissionDenied("Unable to determine the client's address.")
        return address

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """allauth's e-mails in the practice's name (templates/account/email/), never the site's
        host name."""
        from django.conf import settings

        super().send_mail(template_prefix, email, {**context, "practice_name": settings.PRACTICE_NAME})

    def is_open_for_signup(self, request: Any) -> bool:
        # Accounts are made by the practice administrator, never by sign-up.
        return False

    def pre_login(self, request: Any, user: User, **kwargs: Any) -> Any:
        """After the last day of their contract a person cannot sign in, as if inactive (the
        periodic offboarding will make them so)."""
        from confidentiality import accounts

        if user.is_active and not accounts.account_in_force(user):
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            return self.respond_user_inactive(request, user)
        return super().pre_login(request, user, **kwargs)


class MFAAdapter(DefaultMFAAdapter):
    """Second-factor secrets are stored sealed by the key-encryption keys, not in plain text."""

    def encrypt(self, text: str) -> str:
        return seal_with_kek(text, purpose=MFA_SECRET_PURPOSE)

    def decrypt(self, encrypted_text: str) -> str:
        return open_with_kek(encrypted_text, purpose=MFA_SECRET_PURPOSE)


def axes_username(request: Any, credentials: dict[str, Any] | None = None) -> str | None:
    """The login name axes counts failures against: allauth posts it as ``login``."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if value is None and request is not None and hasattr(request, "POST"):
        value = request.POST.get("login")
    return value.strip().lower() if isinstance(value, str) else None
