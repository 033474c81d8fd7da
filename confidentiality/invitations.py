"""Invitations: how someone the practice added gets in.

Adding a client with a portal login, a sponsor contact or a member of staff sends an e-mail, in the
practice's name, with a single-use link to set a password: allauth's password-reset link, so that
the link is checked, spent once a password is set, expires after PASSWORD_RESET_TIMEOUT, and is
kept out of every log line (confidentiality/logredact.py) like any reset link. Staff then set up
their second factor at their first sign-in (portal.middleware.SecondFactorMiddleware).

The ``Invitation`` row records who was invited, by whom and when, and whether they have accepted
(set a password), so the administrator sees who has not and can send it again. It never holds
the link.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from confidentiality.accounts import require_practice_manager, role_of
from confidentiality.audit import audit_record
from confidentiality.models import Invitation
from confidentiality.practice import current_practice
from confidentiality.roles import Role

if TYPE_CHECKING:
    from confidentiality.models import User

# What each role is invited to do, in the e-mail's words.
INVITED_TO = {
    Role.CLIENT: (
        "read and sign your coaching agreement, review reports about your coaching and see what is held about you"
    ),
    Role.SPONSOR: "sign coaching agreements for your organisation and read the reports and invoices released to you",
    Role.COACH: "keep your coaching notes and work with your clients",
    Role.ADMIN: "run the practice: its people, engagements, retention and requests",
    Role.AUDITOR: "read the practice's financial records during an audit",
}


def set_password_link(user: User) -> str:
    """A fresh single-use link to set a password (allauth's reset link, by its own token generator)."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    key = default_token_generator.make_token(user)
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key})
    return f"{settings.SITE_URL}{path}"


def has_accepted(user: User) -> bool:
    """Whether the person has a password of their own (they set one, or were given one)."""
    return user.has_usable_password()


@transaction.atomic
def invitation_send(*, actor: User | None, user: User) -> Invitation:
    """Invite ``user`` to set a password. Sent again, it is a new link; the earlier ones still work
    until a password is set, then none does. Refused for someone who already has a password (they
    reset a forgotten one from the sign-in page) or who is no longer active."""
    require_practice_manager(actor)
    if not user.is_active:
        raise ValidationError("This person's account is not active: nobody is invited to it.")
    if has_accepted(user):
        raise ValidationError(
            "They have already set a password. If they have forgotten it, they reset it from the sign-in page."
        )
    role = role_of(user)
    days = max(1, round(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT).total_seconds() / 86400))
    context = {
        "practice_name": current_practice().name,
        "name": user.display_name,
        "invited_to": INVITED_TO.get(role, "use the practice's portal") if role else "use the practice's portal",
        "link": set_password_link(user),
        "days": days,
        "sign_in": f"{settings.SITE_URL}{reverse('account_login')}",
        "is_staff": role in (Role.COACH, Role.ADMIN, Role.AUDITOR),
        # Articles 13 and 14: told how their information is used when it is first collected. By the
        # page's name, as the core includes the apps' pages (confidentiality/urls.py).
        "privacy_notice": f"{settings.SITE_URL}{reverse('processing:privacy_notice')}",
    }
    subject = render_to_string("email/invitation_subject.txt", context).strip()
    text = render_to_string("email/invitation_message.txt", context)
    html = render_to_string("email/invitation_message.html", context)
    invitation = Invitation.objects.create(user=user, sent_by=actor)
    audit_record(actor=actor, action="invitation.send", obj=user, detail={"invitation": invitation.pk})

    def send() -> None:
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
        message.attach_alternative(html, "text/html")
        message.send()

    # Handed to the outbox as the write commits: an invitation that rolls back is never sent.
    transaction.on_commit(send)
    return invitation


def invitation_accepted(user: User) -> None:
    """The person set their password through a link: their open invitations are accepted."""
    Invitation.objects.filter(user=user, accepted_at__isnull=True).update(accepted_at=timezone.now())


def with_waiting_invitations(items: list[Any], user_id: Callable[[Any], int | None]) -> list[Any]:
    """Each item (a person, a client, a sponsor contact) with ``invitation``: the latest invitation
    its person (``user_id(item)``) has not accepted yet, or None. One query for the whole list."""
    ids = {user_id(item) for item in items} - {None}
    waiting: dict[int, Invitation] = {}
    for invitation in Invitation.objects.filter(user__in=ids, accepted_at__isnull=True).order_by("sent_at"):
        waiting[invitation.user_id] = invitation
    for item in items:
        pk = user_id(item)
        item.invitation = waiting.get(pk) if pk is not None else None
    return items
