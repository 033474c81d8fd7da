"""Writes and reads of the testimonials register. Each write takes the acting person, asks the access
policy, validates everything before it writes anything (a refusal changes nothing) and audits in the
same transaction. Audit details, notices and errors carry references and kinds, never the text or
the client's name.

The rules (policies 001 and 003: no marketing use, no client list, no recommendation or testimony
without the client's written permission):
- an item is publishable only while it names a live consent of the client's own, of the kind its use
  needs (``CONSENT_KIND``); consents do not expire, so live means not withdrawn;
- withdrawing that consent flags every item resting on it for removal in the withdrawal's own
  transaction (``consent.hooks``), and each administrator is told; the notice clears when the
  administrator confirms the item was taken down (``testimonial_mark_removed``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

import access
from confidentiality.accounts import require_practice_manager
from confidentiality.audit import audit_record
from confidentiality.notify import about as notice_about
from confidentiality.notify import notify, resolve
from consent.models import ConsentRecord
from testimonials.models import Testimonial

if TYPE_CHECKING:
    from confidentiality.models import User

TEXT_MAX_CHARS = 10_000
USED_IN_MAX_CHARS = 200

# Which written consent each use rests on. Being quoted or named as recommending the practice is a
# testimonial; a case study or a place on a client list is being mentioned in marketing.
CONSENT_KIND: dict[str, str] = {
    Testimonial.Kind.TESTIMONIAL: ConsentRecord.Kind.TESTIMONIAL,
    Testimonial.Kind.RECOMMENDATION: ConsentRecord.Kind.TESTIMONIAL,
    Testimonial.Kind.CASE_STUDY: ConsentRecord.Kind.MARKETING,
    Testimonial.Kind.CLIENT_LIST: ConsentRecord.Kind.MARKETING,
}

REGISTER_FILTERS = {
    "all": "Everything",
    "flagged": "Flagged for removal",
    "publishable": "Publishable",
    "draft": "Drafts",
    "removed": "Removed",
}


def _removal(item: Testimonial) -> str:
    return notice_about("testimonial.remove", item)


def _link(item: Testimonial) -> str:
    return f"/testimonials/{item.pk}/"


def _text(value: object, field: str, label: str, max_chars: int) -> str:
    if not isinstance(value, str):
        raise ValidationError({field: f"{label} must be text."})
    value = value.strip()
    if not value:
        raise ValidationError({field: f"{label}: this is required."})
    if len(value) > max_chars:
        raise ValidationError({field: f"{label} has at most {max_chars:,} characters."})
    return value


def consent_problem(*, kind: str, client: Any, consent: ConsentRecord | None) -> str:
    """Why ``consent`` does not allow this use of something about ``client``, or "" when it does."""
    needed = ConsentRecord.Kind(CONSENT_KIND[kind])
    if consent is None:
        return f"Name the client's written consent ({needed.label.lower()}) that allows this."
    if consent.client_id != client.pk:
        return "This consent is not this client's: only their own written consent allows it."
    if consent.kind != needed:
        wrong = consent.get_kind_display()[3:].lower()
        return f"This use needs the client's consent {needed.label[3:].lower()}, not their consent {wrong}."
    if consent.withdrawn_at is not None:
        return "The client withdrew this consent: nothing can rest on it."
    return ""


def consents_for(client: Any = None) -> QuerySet[ConsentRecord]:
    """The live consents an item may name (of a client, when given)."""
    live = ConsentRecord.objects.filter(kind__in=set(CONSENT_KIND.values()), withdrawn_at__isnull=True)
    if client is not None:
        live = live.filter(client=client)
    return live.select_related("client__data_key").order_by("-given_at")


@transaction.atomic
def testimonial_create(
    *,
    actor: User | None,
    client: Any,
    kind: str,
    text: str,
    used_in: str,
    consent: ConsentRecord | None = None,
) -> Testimonial:
    """A draft item. It may name its consent now or when it is marked publishable."""
    require_practice_manager(actor)
    if kind not in Testimonial.Kind.values:
        raise ValidationError({"kind": "Choose what kind of use this is."})
    text = _text(text, "text", "The text", TEXT_MAX_CHARS)
    used_in = _text(used_in, "used_in", "Where it is used", USED_IN_MAX_CHARS)
    if consent is not None:
        problem = consent_problem(kind=kind, client=client, consent=consent)
        if problem:
            raise ValidationError({"consent": problem})
    item = Testimonial(client=client, kind=kind, text=text, used_in=used_in, consent=consent, created_by=actor)
    item.full_clean()
    item.save()
    audit_record(actor=actor, action="testimonial.create", obj=item, client_id=client.pk, detail={"kind": kind})
    return item


@transaction.atomic
def testimonial_mark_publishable(
    *, actor: User | None, item: Testimonial, consent: ConsentRecord | None = None
) -> Testimonial:
    """Publishable on the named consent (the item's own when none is given), if it allows this use:
    the client's own, of the right kind, not withdrawn. A refusal changes nothing."""
    require_practice_manager(actor)
    locked = Testimonial.objects.select_for_update().select_related("client").get(pk=item.pk)
    if locked.state != Testimonial.State.DRAFT:
        raise ValidationError(
            {"state": f"Only a draft can be marked publishable: this item is {locked.get_state_display().lower()}."}
        )
    if consent is None:
        consent = locked.consent
    if consent is not None:
        # Read again under lock: a withdrawal committing now is seen, or waits for this to finish.
        consent = ConsentRecord.objects.select_for_update().get(pk=consent.pk)
    problem = consent_problem(kind=locked.kind, client=locked.client, consent=consent)
    if problem:
        raise ValidationError({"consent": problem})
    locked.consent = consent
    locked.state = Testimonial.State.PUBLISHABLE
    locked.publishable_at = timezone.now()
    locked.save(update_fields=["consent", "state", "publishable_at"])
    audit_record(
        actor=actor,
        action="testimonial.publishable",
        obj=locked,
        client_id=locked.client_id,
        detail={"kind": locked.kind, "consent": str(locked.consent_id)},
    )
    return locked


@transaction.atomic
def testimonial_mark_removed(*, actor: User | None, item: Testimonial) -> Testimonial:
    """The administrator confirms it was taken down from wherever it was used; the notice asking for
    that is done."""
    require_practice_manager(actor)
    locked = Testimonial.objects.select_for_update().get(pk=item.pk)
    if locked.state == Testimonial.State.REMOVED:
        raise ValidationError({"state": "This item is already marked removed."})
    locked.state = Testimonial.State.REMOVED
    locked.removed_at = timezone.now()
    locked.removed_by = actor
    locked.save(update_fields=["state", "removed_at", "removed_by"])
    audit_record(
        actor=actor, action="testimonial.removed", obj=locked, client_id=locked.client_id, detail={"kind": locked.kind}
    )
    resolve(_removal(locked))
    return locked


def flag_items_of_withdrawn_consents(*, actor: User | None, consents: list[ConsentRecord]) -> int:
    """Registered in ``consent.hooks``: runs inside ``consent_withdraw``'s transaction. Every
    publishable item resting on a withdrawn consent is flagged for removal at once and each
    administrator is told (the reference and kind only). A draft stays a draft: it was never used,
    and it cannot be marked publishable on a withdrawn consent."""
    from confidentiality.accounts import administrators

    items = list(
        Testimonial.objects.select_for_update().filter(consent__in=consents, state=Testimonial.State.PUBLISHABLE)
    )
    if not items:
        return 0
    now = timezone.now()
    admins = administrators()
    for item in items:
        item.state = Testimonial.State.FLAGGED
        item.flagged_at = now
        item.save(update_fields=["state", "flagged_at"])
        audit_record(
            actor=actor,
            action="testimonial.flagged",
            obj=item,
            client_id=item.client_id,
            detail={"kind": item.kind, "reason": "consent_withdrawn"},
        )
        notify(
            users=admins,
            text=f"{item.get_kind_display()} {item.reference}: the client withdrew the consent it rests on. "
            "Take it down wherever it is used, then mark it removed.",
            link=_link(item),
            about=_removal(item),
        )
    return len(items)


# --- reads ------------------------------------------------------------------------------------


def testimonials_for(*, user: User, state: str = "all") -> QuerySet[Testimonial]:
    items = access.testimonials_visible_to(user).select_related("client", "consent")
    if state in Testimonial.State.values:
        items = items.filter(state=state)
    return items.order_by("-created_at")


def testimonial_read(*, user: User, item: Testimonial) -> Testimonial:
    """The text is read: audited."""
    audit_record(actor=user, action="testimonial.read", obj=item, client_id=item.client_id)
    return item


def testimonials_read(*, user: User, items: list[Testimonial]) -> list[Testimonial]:
    """A list that shows the text: one audit event per item, under one lock."""
    from confidentiality.audit import audit_record_many
    from confidentiality.crypto import load_data_keys

    load_data_keys({item.client.data_key_id for item in items})
    audit_record_many(
        actor=user,
        action="testimonial.read",
        object_type="testimonials.testimonial",
        items=[{"object_id": str(i.pk), "client_id": i.client_id, "engagement_id": None} for i in items],
    )
    return items
