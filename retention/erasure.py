"""Carrying out a client's erasure (UK GDPR art. 17) through the retention engine.

Called, inside the transaction that answers the request, by ``rights.services.right_answer``
(named by the ``RIGHTS_ERASER`` setting: retention sits above rights). What it deletes, it deletes
as a sweep does: with everything each record owns, its stored files and its data key (so backups
cannot be read), receipts in the database and in the journal (so ``retention_reapply`` deletes it
again after a restore). What it keeps, it keeps for the reasons art. 17(3) allows, and the letter
says which:

- engagements still in progress (their records are needed to provide the coaching), under a legal
  hold or with paper still held (``engagement_files``'s own test), with a disclosure made under a
  legal requirement or in serious danger (the practice must be able to show it), or with a complaint
  or a concern still open about them (the evidence it is decided on). When they close, or nothing
  keeps them any more, the sweep finishes the erasure (``erased_client_engagements``);
- financial records, five years (policy 000): an invoice keeps its figures, detached from the
  engagement it named;
- the client's own record (name, contact details, sign-in, their requests): it goes by the
  ``erased_client_record`` rule, ``RETENTION_ERASED_CLIENT_DAYS`` after the erasure, once nothing
  above keeps it, so that they can still sign in and read the letter.

Testimonials go at once: they are the practice's marketing, and it must stop using them now.
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from confidentiality.dates import day_in_words
from retention import engine
from retention.schedule import rule_for
from retention.sweep import _before_delete, _receipts, delete_records, wait_for_batch_in_flight

if TYPE_CHECKING:
    from confidentiality.models import User
    from rights.models import SubjectAccessRequest

RULE = "erasure"
# Kinds an erasure deletes as roots of their own (not through a retention rule): retention_reapply
# deletes them again after a restore.
ERASED_ROOTS = ("testimonials.testimonial",)

# What the letter calls each kind of record deleted; others are counted as "other records".
KIND_NAMES = {
    "engagements.engagement": "engagements",
    "engagements.coachingsession": "coaching sessions",
    "engagements.note": "notes",
    "engagements.document": "documents",
    "reports.sponsorreport": "reports",
    "feedback.feedbackrequest": "feedback requests",
    "feedback.unsolicitedfeedback": "feedback nobody asked for",
    "consent.agreement": "agreements",
    "consent.consentrecord": "consents",
    "testimonials.testimonial": "testimonials",
}


def erasable_engagements(client: Any, as_of: datetime.date) -> Any:
    """The client's engagements an erasure deletes now: closed, nothing holding them, no disclosure
    made under the law or in serious danger, and no complaint or concern still open about them (their
    records are the evidence it is decided on: art. 17(3)(e))."""
    from engagements.models import Engagement

    closed = Engagement.objects.filter(client=client, status=Engagement.Status.CLOSED)
    return kept_for_erasure(rule_for("engagement_files").free(closed, as_of))


def kept_for_erasure(engagements: Any) -> Any:
    """Of ``engagements``, those an erasure may delete (see ``erasable_engagements``)."""
    from complaints.models import Complaint
    from disclosures.models import Concern, Disclosure

    by_law = Disclosure.objects.filter(
        engagement=OuterRef("pk"), basis__in=[Disclosure.Basis.LEGAL_REQUIREMENT, Disclosure.Basis.SERIOUS_DANGER]
    )
    complaint = Complaint.objects.filter(engagement=OuterRef("pk")).exclude(status=Complaint.Status.CLOSED)
    concern = Concern.objects.filter(engagement=OuterRef("pk"), state=Concern.State.OPEN)
    return engagements.exclude(Exists(by_law)).exclude(Exists(complaint)).exclude(Exists(concern))


def _in_words(deleted: dict[str, list[str]]) -> str:
    counts: Counter[str] = Counter()
    for kind, ids in deleted.items():
        if kind in ("confidentiality.datakey",):
            continue  # the keys are how the rest is made unreadable, not records of the client's
        counts[KIND_NAMES.get(kind, "other records")] += len(ids)
    order = [*KIND_NAMES.values(), "other records"]
    return ", ".join(f"{counts[name]} {name}" for name in order if counts[name])


def erase_client(*, actor: User, request: SubjectAccessRequest) -> str:
    """Delete what can go of the request's client; the caller holds the transaction and has
    checked the request. Returns what the letter adds to the administrator's answer: what was
    deleted, what is kept and why, and when the client's own record goes."""
    from engagements.models import Client
    from rights.erasure import preview
    from testimonials.models import Testimonial

    client = request.client
    assert client is not None
    # A sweep batch choosing its records holds the lease row: wait for it, so both never delete
    # the same records (and a legal hold placed meanwhile is seen by one of us).
    wait_for_batch_in_flight()
    today = timezone.localdate()
    kept = preview(client).stays  # read before deleting: invoices detach from what is deleted
    deleted: dict[str, list[str]] = {}
    ids = list(erasable_engagements(client, today).values_list("pk", flat=True))
    if ids:
        deleted, _blocked = delete_records(rule_for("engagement_files"), ids)
    testimonials = list(Testimonial.objects.filter(client=client).values_list("pk", flat=True))
    if testimonials:
        outcome = engine.execute(engine.make_plan(Testimonial), testimonials, before_delete=_before_delete)
        for kind, kind_ids in outcome.deleted.items():
            deleted.setdefault(kind, []).extend(kind_ids)
    _receipts(None, RULE, today, deleted)
    now = timezone.now()
    Client.objects.filter(pk=client.pk).update(erased_at=now)
    lines = [f"What we deleted on {day_in_words(today)}: {_in_words(deleted) or 'nothing could be deleted yet'}."]
    if kept:
        lines.append("What we keep, and why:")
        lines += [f"- {line.what} ({line.count}): {line.why}" for line in kept]
    goes_on = today + datetime.timedelta(days=settings.RETENTION_ERASED_CLIENT_DAYS)
    rule = rule_for("erased_client_record")
    # The rule's own test (no engagement left, no hold, no open request, no recent complaint).
    if rule.free(Client.objects.filter(pk=client.pk), goes_on).exists():
        lines.append(
            f"Your name, contact details and sign-in are deleted on {day_in_words(goes_on)}; "
            "until then you can sign in and read this letter."
        )
    else:
        lines.append(
            "Your name and contact details are kept while the records above are, and deleted with the last of them."
        )
    return "\n".join(lines)
