"""Staff read and accept the practice's policies before anything confidential opens to them.

Policy 002: staff "should treat this information as confidential … under no circumstances should
staff and volunteers share personal information with their own partners, family or friends", and
breaches "will be dealt with through the company's staff and volunteer disciplinary procedures":
so each person's acceptance of the exact words is recorded, version by version.

The documents themselves are ``retention.PolicyDocument`` (versioned, reviewed every two years).
Staff must accept the current version of each kind in ``REQUIRED_KINDS``; recording a new version
asks everyone again. While no version of a required kind has been recorded there is nothing to
accept, so nobody is held back by it, and the administrator is told on the dashboard and the
acceptance page (``missing_kinds``) until one is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count

import access
from access import REQUIRED_KINDS as REQUIRED_KINDS
from access import current_documents
from access import current_required as current_required
from access import pending_for as pending_for
from access import settle as settle
from confidentiality.audit import audit_record
from confidentiality.models import User
from confidentiality.roles import STAFF_ROLES
from people.models import PolicyAcceptance


def text_hash(text: str) -> str:
    """The SHA-256 of the exact text shown, as stored."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def missing_kinds(current: list[Any] | None = None) -> list[str]:
    """Labels of the required kinds with no version recorded: the administrator must be told.
    ``current`` may be the current versions of every kind, already loaded by the caller."""
    from people.models import PolicyDocument

    present = {document.kind for document in (current_required() if current is None else current)}
    return [str(PolicyDocument.Kind(kind).label) for kind in REQUIRED_KINDS if kind not in present]


# Whether someone has something to accept is kept on their own row (``User.must_accept_policies``),
# so the check costs no query on any request: the user row is read anyway. It is set for everyone
# bound when a new version of a required policy is recorded (``retention.services.policy_record``
# calls ``ask_everyone_again``), and for a member of staff added while a policy is in force; it is
# cleared when they have accepted every current version. Record versions through that service.


def bound_people() -> Any:
    """Everyone who must accept: staff (associates included) and the technical admin site's users."""
    from django.db.models import Q

    return User.objects.filter(
        Q(groups__name__in=[r.value for r in STAFF_ROLES]) | Q(is_staff=True) | Q(is_superuser=True)
    ).distinct()


def ask_everyone_again(document: Any) -> int:
    """A new version of a required policy was recorded: everyone bound must accept it."""
    if document.kind not in REQUIRED_KINDS:
        return 0
    return User.objects.filter(pk__in=bound_people().values("pk")).update(must_accept_policies=True)


def ask_newcomer(user: User) -> None:
    """A member of staff joins while a policy is in force: they accept it before anything opens."""
    if current_documents().exists() and not user.must_accept_policies:
        User.objects.filter(pk=user.pk).update(must_accept_policies=True)
        user.must_accept_policies = True


@transaction.atomic
def policy_accept(
    *, actor: User, document: Any, shown_hash: str, ip_address: str | None, user_agent: str
) -> PolicyAcceptance:
    """Record that the actor read and accepted this version, bound to the text they were shown."""
    from people.models import PolicyDocument

    if not access.needs_policy_acceptance(actor):
        raise PermissionDenied("Only the practice's staff accept its policies here.")
    if document.kind not in REQUIRED_KINDS:
        raise ValidationError("This policy is not one staff are asked to accept.")
    latest = PolicyDocument.objects.filter(kind=document.kind).order_by("-version").first()
    if latest is None or latest.pk != document.pk:
        raise ValidationError("A newer version of this policy has been recorded. Read that one and accept it.")
    if shown_hash != text_hash(document.text):
        raise ValidationError("The policy's text changed while you were reading it. Read it again and accept it.")
    existing = PolicyAcceptance.objects.filter(user=actor, document=document).first()
    if existing is not None:
        return existing
    acceptance = PolicyAcceptance(
        user=actor,
        document=document,
        text_sha256=shown_hash,
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:300],
    )
    acceptance.full_clean()
    acceptance.save()
    audit_record(
        actor=actor,
        action="policy.accept",
        obj=acceptance,
        detail={"kind": document.kind, "version": document.version, "document": str(document.pk)},
    )
    access.forget_cached_policies(actor)
    settle(actor, pending_for(actor))
    return acceptance


def acceptances_of(*, user: User) -> list[PolicyAcceptance]:
    """A person's acceptances, newest first (their account page; the administrator's page of them)."""
    return list(PolicyAcceptance.objects.filter(user=user).select_related("document"))


@dataclass
class StatusRow:
    person: User
    acceptance: PolicyAcceptance | None
    earlier: PolicyAcceptance | None  # their latest acceptance of an earlier version


@dataclass
class DocumentStatus:
    document: Any
    rows: list[StatusRow]

    @property
    def accepted_count(self) -> int:
        return sum(1 for row in self.rows if row.acceptance is not None)

    @property
    def waiting(self) -> list[StatusRow]:
        return [row for row in self.rows if row.acceptance is None]


def accepted_every_current(current: list[Any], *, users: list[int] | None = None) -> set[int]:
    """The ids of the people (of ``users``, when given) who have accepted every one of the ``current``
    required versions."""
    ids = [document.pk for document in current]
    accepted = PolicyAcceptance.objects.filter(document_id__in=ids)
    if users is not None:
        accepted = accepted.filter(user_id__in=users)
    return set(
        accepted.values("user_id")
        .annotate(n=Count("document_id", distinct=True))
        .filter(n=len(ids))
        .values_list("user_id", flat=True)
    )


def acceptance_status_for(*, user: User) -> list[DocumentStatus]:
    """For each current required version: who has accepted it (when, from where) and who has not.
    Four queries whatever the number of people."""
    if not access.can_manage_people(user):
        from django.http import Http404

        raise Http404
    documents = current_required()
    from people.services import with_roles

    everyone = bound_people().filter(is_active=True).order_by("display_name", "email")
    people = [person for person in with_roles(everyone) if access.account_in_force(person)]
    acceptances = PolicyAcceptance.objects.filter(
        document__kind__in=REQUIRED_KINDS, user__in=[p.pk for p in people]
    ).select_related("document")
    by_document: dict[Any, dict[int, PolicyAcceptance]] = {}
    latest_earlier: dict[tuple[str, int], PolicyAcceptance] = {}
    current_ids = {d.pk for d in documents}
    for acceptance in acceptances:
        by_document.setdefault(acceptance.document_id, {})[acceptance.user_id] = acceptance
        if acceptance.document_id not in current_ids:
            key = (acceptance.document.kind, acceptance.user_id)
            if key not in latest_earlier or latest_earlier[key].document.version < acceptance.document.version:
                latest_earlier[key] = acceptance
    return [
        DocumentStatus(
            document=document,
            rows=[
                StatusRow(
                    person=person,
                    acceptance=by_document.get(document.pk, {}).get(person.pk),
                    earlier=latest_earlier.get((document.kind, person.pk)),
                )
                for person in people
            ],
        )
        for document in documents
    ]
