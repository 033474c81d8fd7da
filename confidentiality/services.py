"""Writes of the core: people, roles and API tokens. Each audits in its own transaction."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from confidentiality.accounts import needs_second_factor
from confidentiality.audit import audit_record
from confidentiality.credentials import has_second_factor, tell_about_credential
from confidentiality.models import ApiToken, User
from confidentiality.roles import Role

API_TOKEN_PREFIX = "cpt_"


def ensure_role_groups() -> None:
    for role in Role:
        Group.objects.get_or_create(name=role.value)


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    email: str,
    role: Role,
    display_name: str = "",
    password: str | None = None,
) -> User:
    """Create a person with exactly one role. ``password=None`` leaves them to set one by reset.

    A member of staff must also be asked to accept the policies in force: ``people.services.staff_add``
    does both."""
    from confidentiality import accounts

    # actor=None is the system itself (a management command run with server access).
    if actor is not None and not accounts.can(actor, accounts.Capability.MANAGE_PRACTICE):
        raise PermissionDenied("Only the practice administrator can add people.")
    email = email.strip().lower()
    validate_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "A person with this e-mail address already exists."})
    user = User(email=email, display_name=display_name.strip())
    if password is not None:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    ensure_role_groups()
    user.groups.set([Group.objects.get(name=Role(role).value)])
    audit_record(actor=actor, action="user.create", obj=user, detail={"role": Role(role).value})
    return user


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_issue(*, actor: User | None, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token. The key is returned once and stored only as its hash."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. the tool that will use it."})
    if len(name) > 80:
        raise ValidationError({"name": "A token name has at most 80 characters."})
    if not user.is_active:
        raise ValidationError("An inactive account cannot have API tokens.")
    if needs_second_factor(user) and not has_second_factor(user):
        # It would not work (portal.authentication): a token stands in for a signed-in session.
        raise ValidationError("Set up your second factor before making an API token.")
    key = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=key[:12], key_hash=_token_hash(key))
    token.full_clean()
    token.save()
    audit_record(actor=actor, action="api_token.issue", obj=token, detail={"user": user.pk})
    tell_about_credential(user, "A new API token was made for your account.")
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoke", obj=token, detail={"user": token.user_id})
        tell_about_credential(token.user, "An API token of your account was revoked.")


def token_expires_at(token: ApiToken) -> datetime.datetime:
    """When a token stops working, whatever else happens (settings.API_TOKEN_DAYS after it was made)."""
    return token.created_at + datetime.timedelta(days=settings.API_TOKEN_DAYS)


SEEN_FROM_KEPT = 20


def api_token_used_from(token: ApiToken, address: str | None) -> None:
    """The first use of a token from an address is audited and told to its person: a token copied
    somewhere it should not be shows up as a use from somewhere new."""
    if not address or address in token.seen_from:
        return
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if address in locked.seen_from:
            return
        first = not locked.seen_from
        locked.seen_from = [*locked.seen_from, address][-SEEN_FROM_KEPT:]
        locked.save(update_fields=["seen_from"])
        token.seen_from = locked.seen_from
        audit_record(actor=token.user, action="api_token.used_from_new_address", obj=token, detail={"first_use": first})
        tell_about_credential(token.user, f"One of your API tokens was used from an address new to it ({address}).")


def api_token_authenticate(key: str) -> ApiToken | None:
    if not key.startswith(API_TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_token_hash(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Written at most once a minute: a busy integration should not turn reads into writes.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def notice_open(*, actor: User, pk: int) -> str:
    """Open one of the actor's own notices: it is marked read (it leaves the dashboard) and the
    page it points to is returned, or the dashboard when it points nowhere or off this site.
    Another person's notice, or none, is ``Notice.DoesNotExist``: nobody learns it exists."""
    from django.urls import reverse
    from django.utils.http import url_has_allowed_host_and_scheme

    from confidentiality.models import Notice

    notice = Notice.objects.get(pk=pk, user=actor)
    if notice.read_at is None:
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=timezone.now())
    local = notice.link.startswith("/") and url_has_allowed_host_and_scheme(notice.link, allowed_hosts=None)
    return notice.link if local else reverse("dashboard")
