"""Notices and e-mails. They say that something happened and link to it; never what it says.

Policy 003: "no confidential information … will be shared electronically unless access to
the information can be controlled", so e-mails carry a link behind sign-in and nothing else.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from confidentiality.models import Notice


def notify(*, users: list[Any], text: str, link: str = "", email: bool = True, about: str = "") -> None:
    """Tell each person, on their dashboard and by e-mail. A notice that asks for something names
    it in ``about`` (``"<kind>:<id>"``); ``resolve(about)`` marks it done once that is done."""
    from confidentiality.accounts import account_in_force
    from confidentiality.practice import practice_subject  # it audits through confidentiality.audit

    for user in users:
        # Someone who has left (or whose contract has ended) is told nothing more.
        if not account_in_force(user):
            continue
        Notice.objects.create(user=user, text=text[:200], link=link[:200], about=about[:100])
        if email and user.email:
            body = f"{text}\n\nSign in to see it: {settings.SITE_URL}{link}\n"
            # Handed to the outbox (confidentiality/outbox.py) as the write commits, so a write that
            # rolls back tells no one; from there it is delivered, retried, and never dropped quietly.
            transaction.on_commit(
                partial(
                    send_mail,
                    practice_subject("something needs your attention"),
                    body,
                    settings.DEFAULT_FROM_EMAIL,
                    [user.email],
                )
            )


def about(kind: str, thing: Any) -> str:
    """The name of what a notice asks about: its kind and the thing's primary key."""
    return f"{kind}:{getattr(thing, 'pk', thing)}"


def resolve(about: str, *, users: list[Any] | None = None) -> int:
    """The notices asking about ``about`` are done (for ``users`` only, when given): they leave the
    dashboards of everyone they were sent to, whoever did the thing. Returns how many."""
    from django.utils import timezone

    waiting = Notice.objects.filter(about=about, done_at__isnull=True)
    if users is not None:
        waiting = waiting.filter(user__in=users)
    return waiting.update(done_at=timezone.now())
