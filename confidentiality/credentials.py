"""Every change to a credential is audited, told to its person, and closes what it must.

allauth changes passwords, addresses and second factors on the person's own account pages and
sends a signal for each; the receivers here (connected in ConfidentialityConfig.ready) make each
one an audit event and a notice (and an e-mail) to the person, so that whoever did it, the person
hears of it. A changed or reset password and a removed second factor also revoke the person's API
tokens: a token must not outlive the credential it was issued under.

Wrong second-factor codes count as wrong passwords do: each one is a failure for django-axes (on
the person and their address). They are also counted against the account alone, from the audit
log (``wrong_codes_since_sign_in``): only someone who knows the password reaches a code, so a new
address buys no more guesses. Either limit reached, a locked account's right code is refused too
(AuthenticateForm below). allauth's own limit on codes shares its switch with the failed-password
limit, which is off (axes answers first); hence this.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from allauth.mfa.base.forms import AuthenticateForm as BaseAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as BaseReauthenticateForm
from allauth.mfa.models import Authenticator
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import pre_save
from django.utils import timezone

from confidentiality.audit import audit_record
from confidentiality.models import ApiToken, AuditEvent, User
from confidentiality.notify import notify
from confidentiality.records import record_label

if TYPE_CHECKING:
    from collections.abc import Callable

ACCOUNT_LINK = "/account/"
SECURITY_LINK = "/accounts/2fa/"


def _credential_events(user: User) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type=record_label(user), object_id=str(user.pk))


def wrong_codes_since_sign_in(user: User) -> int:
    """Wrong second-factor codes for ``user`` within the cool-off and since their last sign-in,
    from any address. Only someone who knows the password gets as far as a code, so this limit is
    the account's own: changing address buys no more guesses."""
    events = _credential_events(user)
    signed_in = events.filter(action="auth.signed_in").order_by("-seq").values_list("seq", flat=True).first()
    return events.filter(
        action="auth.second_factor_failed",
        seq__gt=signed_in or 0,
        created_at__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
    ).count()


def _locked(request: Any, user: User) -> bool:
    if wrong_codes_since_sign_in(user) >= settings.AXES_FAILURE_LIMIT:
        return True
    return not AxesProxyHandler.is_allowed(request, {"username": user.email})


class _CodeLimit:
    """Refuse any code, right or wrong, while the account is locked (from this address, or
    everywhere after too many wrong codes)."""

    user: User

    def clean_code(self) -> str:
        from allauth.core import context

        request = context.request
        if _locked(request, self.user):
            request.axes_locked_out = True  # axes's middleware answers with its lockout page
            raise forms.ValidationError("This account is temporarily locked. Try again later.")
        code: str = super().clean_code()  # type: ignore[misc]  # the allauth form below
        return code


class AuthenticateForm(_CodeLimit, BaseAuthenticateForm):
    pass


class ReauthenticateForm(_CodeLimit, BaseReauthenticateForm):
    pass


def has_second_factor(user: User) -> bool:
    """A TOTP app or a security key (recovery codes alone are a fallback, not a factor)."""
    return Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.RECOVERY_CODES).exists()


def revoke_tokens(*, actor: User | None, user: User, reason: str) -> int:
    """Revoke every token of ``user``; one audit event says how many and why."""
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if count:
        audit_record(actor=actor, action="api_token.revoke_all", obj=user, detail={"count": count, "reason": reason})
    return count


_NOT_YOU = "If this was not you, tell the practice at once."


def tell_about_credential(user: User, text: str, *, link: str = ACCOUNT_LINK) -> None:
    """A notice, and an e-mail to the person's own address, that one of their credentials changed."""
    notify(users=[user], text=f"{text} {_NOT_YOU}", link=link)


def _event(user: User, action: str, text: str, *, link: str = ACCOUNT_LINK, **detail: Any) -> None:
    """Audit and tell, in one transaction: a credential event is never recorded but untold."""
    with transaction.atomic():
        audit_record(actor=user, action=action, obj=user, detail=detail)
        tell_about_credential(user, text, link=link)


def _password_event(event: str, text: str) -> Callable[..., None]:
    """A new password, however it came (changed, set, reset by e-mail link): audited, told, and
    every token made under the old one revoked."""

    def handler(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
        from confidentiality.invitations import invitation_accepted

        with transaction.atomic():
            revoked = revoke_tokens(actor=user, user=user, reason=event)
            _event(user, f"auth.{event}", text, tokens_revoked=revoked)
            invitation_accepted(user)

    handler.__name__ = f"_{event}"
    return handler


_password_changed = _password_event("password_changed", "Your password was changed.")
_password_set = _password_event("password_set", "A password was set for your account.")
_password_reset = _password_event("password_reset", "Your password was reset by e-mail link.")


def _remember_email(sender: Any, instance: User, **kwargs: Any) -> None:
    """Before a person is saved, the address they had: an account made by the practice has no
    allauth address row, so the e-mail-changed signal cannot name the old address itself."""
    update_fields = kwargs.get("update_fields")
    if instance.pk is not None and (update_fields is None or "email" in update_fields):
        before = User.objects.filter(pk=instance.pk).values_list("email", flat=True).first() or ""
        setattr(instance, "_email_before", before)  # noqa: B010  # not a field of the model


def _email_changed(
    sender: Any, request: Any, user: User, from_email_address: Any, to_email_address: Any, **kw: Any
) -> None:
    old = getattr(from_email_address, "email", "") or getattr(user, "_email_before", "")
    _event(user, "auth.email_changed", "Your sign-in address was changed.")
    if old and old.lower() != user.email.lower():
        # The old address hears of it too: it is where the real person still reads their mail.
        from django.core.mail import send_mail

        from confidentiality.practice import practice_subject

        subject = practice_subject("your sign-in address was changed")
        transaction.on_commit(
            lambda: send_mail(
                subject,
                f"The sign-in address of your account was changed. {_NOT_YOU}\n",
                settings.DEFAULT_FROM_EMAIL,
                [old],
            )
        )


def _email_added(sender: Any, request: Any, user: User, email_address: Any, **kw: Any) -> None:
    # Told at the sign-in address: an added address can receive password-reset links.
    _event(user, "auth.email_added", "An address that can receive password resets was added to your account.")


def _email_removed(sender: Any, request: Any, user: User, email_address: Any, **kw: Any) -> None:
    _event(user, "auth.email_removed", "An address was removed from your account.")


def _kind(authenticator: Authenticator) -> str:
    return str(authenticator.type)


def _authenticator_added(sender: Any, request: Any, user: User, authenticator: Authenticator, **kw: Any) -> None:
    _event(
        user,
        "auth.second_factor_added",
        "A second factor was added to your account.",
        link=SECURITY_LINK,
        kind=_kind(authenticator),
    )


def _authenticator_removed(sender: Any, request: Any, user: User, authenticator: Authenticator, **kw: Any) -> None:
    with transaction.atomic():
        revoked = 0
        if not has_second_factor(user):
            revoked = revoke_tokens(actor=user, user=user, reason="second_factor_removed")
        _event(
            user,
            "auth.second_factor_removed",
            "An authenticator was removed from your account.",
            link=SECURITY_LINK,
            kind=_kind(authenticator),
            tokens_revoked=revoked,
        )


def _authenticator_reset(sender: Any, request: Any, user: User, authenticator: Authenticator, **kw: Any) -> None:
    _event(
        user,
        "auth.recovery_codes_regenerated",
        "New recovery codes were made for your account; the old ones no longer work.",
        link=SECURITY_LINK,
        kind=_kind(authenticator),
    )


def _authenticator_used(sender: Any, request: Any, user: User, authenticator: Authenticator, **kw: Any) -> None:
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        # Read again: the instance the signal carries may predate the code being marked used.
        left = len(Authenticator.objects.get(pk=authenticator.pk).wrap().get_unused_codes())
        _event(
            user,
            "auth.recovery_code_used",
            f"A recovery code was used to sign in to your account ({left} left).",
            link=SECURITY_LINK,
            left=left,
        )


def _second_factor_failed(sender: Any, request: Any, user: User, **kw: Any) -> None:
    # A failure for axes, on the person and their address, as a wrong password is.
    user_login_failed.send(sender=__name__, credentials={"username": user.email}, request=request)
    with transaction.atomic():
        failures = wrong_codes_since_sign_in(user) + 1
        locked = failures >= settings.AXES_FAILURE_LIMIT or bool(getattr(request, "axes_locked_out", False))
        audit_record(actor=None, action="auth.second_factor_failed", obj=user, detail={"locked": locked})
        if locked:
            request.axes_locked_out = True  # axes's middleware answers with its lockout page
        if failures == settings.AXES_FAILURE_LIMIT:
            notify(
                users=[user],
                text="Wrong authenticator codes were entered for your account after its password, so it is "
                "locked for now. Someone may know your password: change it, and tell the practice.",
                link=ACCOUNT_LINK,
            )


def _device(request: Any) -> str:
    """A short fingerprint of the browser, so a sign-in from a new one can be told apart."""
    agent = str(getattr(request, "META", {}).get("HTTP_USER_AGENT", ""))
    return hashlib.sha256(agent.encode("utf-8")).hexdigest()[:16]


def _signed_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    if request is None or not isinstance(user, User):
        return
    device = _device(request)
    earlier = _credential_events(user).filter(action="auth.signed_in")
    first_ever = not earlier.exists()
    new_device = not first_ever and not earlier.filter(detail__device=device).exists()
    with transaction.atomic():
        audit_record(actor=user, action="auth.signed_in", obj=user, detail={"device": device, "new_device": new_device})
        if new_device:
            tell_about_credential(user, "Your account was signed in from a new browser or device.")


def connect() -> None:
    from allauth.account import signals as account_signals
    from allauth.mfa import signals as mfa_signals

    receivers: list[tuple[Any, Callable[..., None]]] = [
        (account_signals.password_changed, _password_changed),
        (account_signals.password_set, _password_set),
        (account_signals.password_reset, _password_reset),
        (account_signals.email_changed, _email_changed),
        (account_signals.email_added, _email_added),
        (account_signals.email_removed, _email_removed),
        (mfa_signals.authenticator_added, _authenticator_added),
        (mfa_signals.authenticator_removed, _authenticator_removed),
        (mfa_signals.authenticator_reset, _authenticator_reset),
        (mfa_signals.authenticator_used, _authenticator_used),
        (mfa_signals.authentication_failed, _second_factor_failed),
        (user_logged_in, _signed_in),
    ]
    for signal, handler in receivers:
        signal.connect(handler, dispatch_uid=f"confidentiality.credentials.{handler.__name__}")
    pre_save.connect(_remember_email, sender=User, dispatch_uid="confidentiality.credentials._remember_email")
