from __future__ import annotations

import base64
import logging
import secrets
from typing import TYPE_CHECKING, Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.core.exceptions import PermissionDenied

from confidentiality.crypto import DecryptionError, open_with_kek, seal_with_kek

if TYPE_CHECKING:
    from confidentiality.models import User

log = logging.getLogger(__name__)

# The purpose allauth's secrets are sealed under in memory (the adapter below); never stored: at rest
# each is bound to its person. Before binding, secrets were stored under the plain purpose.
MFA_SECRET_PURPOSE = "mfa-secret:in-memory"
STORED_BEFORE_BINDING = "mfa-secret"


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
        from confidentiality.practice import current_practice

        super().send_mail(template_prefix, email, {**context, "practice_name": current_practice().name})

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
    """Second-factor secrets are stored sealed by the key-encryption keys, not in plain text, and
    bound to their owner at rest (below)."""

    def encrypt(self, text: str) -> str:
        return seal_with_kek(text, purpose=MFA_SECRET_PURPOSE)

    def decrypt(self, encrypted_text: str) -> str:
        return open_with_kek(encrypted_text, purpose=MFA_SECRET_PURPOSE)


# --- second-factor secrets bound to their owner ------------------------------------------
# allauth seals a secret through the adapter, which is not told whose it is. At rest, each secret
# is sealed again under a purpose naming its user, so that someone who can write to the database
# cannot copy a secret they know (their own) onto another person's account: as a row is loaded it
# is opened with its user's purpose, and one that does not open becomes a random secret no code
# matches (audited and logged once). allauth only ever sees the in-memory form.
BOUND = "user-bound."
SEALED_KEYS = ("secret", "seed")  # a TOTP secret, the recovery codes' seed


def _bound_purpose(user_id: Any) -> str:
    return f"mfa-secret:user:{user_id}"


def _open_unbound(value: str) -> str | None:
    """A secret in its in-memory form, or as stored before binding (accepted only while
    ACCEPT_UNBOUND_CIPHERTEXTS: afterwards such a value written into a row opens for no one)."""
    from django.conf import settings

    try:
        return open_with_kek(value, purpose=MFA_SECRET_PURPOSE)
    except DecryptionError:
        pass
    if not settings.ACCEPT_UNBOUND_CIPHERTEXTS:
        return None
    try:
        return open_with_kek(value, purpose=STORED_BEFORE_BINDING)
    except DecryptionError:
        return None


def bind_to_user(value: str, user_id: Any) -> str:
    """The in-memory form (or a value stored before binding) to the at-rest form."""
    if value.startswith(BOUND):
        return value
    plain = _open_unbound(value)
    if plain is None:
        raise DecryptionError("A second-factor secret does not open; it is not stored.")
    return BOUND + seal_with_kek(plain, purpose=_bound_purpose(user_id))


def _unbind(value: str, user_id: Any) -> str | None:
    if value.startswith(BOUND):
        try:
            plain: str | None = open_with_kek(value[len(BOUND) :], purpose=_bound_purpose(user_id))
        except DecryptionError:
            plain = None
    else:
        plain = _open_unbound(value)
    return None if plain is None else seal_with_kek(plain, purpose=MFA_SECRET_PURPOSE)


def _authenticator_loaded(sender: Any, instance: Any, **kwargs: Any) -> None:
    data = instance.__dict__.get("data")
    if not isinstance(data, dict) or instance.__dict__.get("user_id") is None:
        return
    for name in SEALED_KEYS:
        value = data.get(name)
        if not isinstance(value, str):
            continue
        opened = _unbind(value, instance.user_id)
        if opened is None:
            _secret_unreadable(instance, name)
            opened = seal_with_kek(base64.b32encode(secrets.token_bytes(20)).decode(), purpose=MFA_SECRET_PURPOSE)
            instance._unreadable_secret = True
        data[name] = opened


_told: set[tuple[Any, str]] = set()


def _secret_unreadable(instance: Any, name: str) -> None:
    from confidentiality.audit import audit_record

    if (instance.pk, name) in _told:
        return
    _told.add((instance.pk, name))
    log.error("Second-factor %s of authenticator %s does not open for its user", name, instance.pk)
    audit_record(
        actor=None,
        action="mfa.secret_unreadable",
        object_type="mfa.authenticator",
        object_id=str(instance.pk),
        detail={"user": instance.user_id, "part": name},
    )


def _authenticator_saving(sender: Any, instance: Any, **kwargs: Any) -> None:
    if getattr(instance, "_unreadable_secret", False):
        # Never overwrite the stored value with the stand-in: it is the evidence.
        raise DecryptionError(f"Authenticator {instance.pk}: its secret does not open; it is not saved.")
    for name in SEALED_KEYS:
        value = instance.data.get(name)
        if isinstance(value, str):
            instance.data[name] = bind_to_user(value, instance.user_id)


def _authenticator_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    _authenticator_loaded(sender, instance)


def connect_authenticator_binding() -> None:
    from allauth.mfa.models import Authenticator
    from django.db.models.signals import post_init, post_save, pre_save

    post_init.connect(_authenticator_loaded, sender=Authenticator, dispatch_uid="mfa-bound-load")
    pre_save.connect(_authenticator_saving, sender=Authenticator, dispatch_uid="mfa-bound-save")
    post_save.connect(_authenticator_saved, sender=Authenticator, dispatch_uid="mfa-bound-saved")


def axes_username(request: Any, credentials: dict[str, Any] | None = None) -> str | None:
    """The login name axes counts failures against: allauth posts it as ``login``."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if value is None and request is not None and hasattr(request, "POST"):
        value = request.POST.get("login")
    return value.strip().lower() if isinstance(value, str) else None
