"""Breach letters: telling the people a breach affects (UK GDPR art. 34).

The administrator names the clients and organisations a breach affects, records whether they are
told and why (the article 34(3) exceptions included), writes what the letter says beyond its fixed
parts, and produces the letters. A letter goes to a client's portal login, or to the portal logins
of an organisation's sponsor contacts, as an in-app notice and an e-mail that only point to it
(policy 003: nothing confidential travels by e-mail); anyone without a login gets it by post, and
the administrator marks it posted. Everything is audited; a closed breach changes no more.

Once a letter is produced its text is fixed: the PDF is rendered from it on each download, so what
one person reads is what every other person affected reads, and what the register shows was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

import access
from complaints.models import Breach, BreachAffected, BreachCommunication
from complaints.services import BREACH_TEXT_MAX_CHARS, _text, bounded_clients
from confidentiality.audit import audit_record
from confidentiality.crypto import load_data_keys, remember_data_keys
from confidentiality.models import User
from confidentiality.notify import notify
from engagements.models import Client, Organisation
from engagements.services import ConflictError

Decision = BreachCommunication.Decision

LETTER_FIELDS = {
    "nature": "What happened, in plain words",
    "consequences": "What it is likely to mean for them",
    "measures": "What the practice has done and will do",
    "advice": "What they can do to protect themselves",
}
CLOSED = "This breach is closed: its record can no longer change."


def _locked_breach(actor: User, breach: Breach) -> Breach:
    """The breach, locked for the change, or 404 for anyone who does not handle breaches."""
    if not access.can_handle_breach(actor, breach):
        raise Http404
    locked = Breach.objects.select_for_update().get(pk=breach.pk)
    if locked.status == Breach.Status.CLOSED:
        raise ValidationError(CLOSED)
    return locked


def _communication(breach: Breach) -> BreachCommunication:
    """The breach's communication row, made on first use. The caller holds the breach's lock."""
    found = BreachCommunication.objects.filter(breach=breach).first()
    if found is not None:
        found.breach = breach
        return found
    made = BreachCommunication(breach=breach)
    made.full_clean()
    made.save()
    return made


def communication_of(breach: Breach) -> BreachCommunication | None:
    """The breach's decision and letter text, if any was recorded (texts still sealed). No query when
    the breach was loaded with it (``access.breach_get_for``)."""
    if Breach.communication.is_cached(breach):
        return getattr(breach, "communication", None)
    found = BreachCommunication.objects.filter(breach=breach).first()
    if found is not None:
        found.breach = breach
    return found


def _remember(breach: Breach, communication: BreachCommunication) -> None:
    """Give the caller's breach the communication as saved, so it reads no stale version."""
    breach._state.fields_cache["communication"] = communication


def _check_version(communication: BreachCommunication, expected_version: Any) -> None:
    if communication.version != expected_version:
        raise ConflictError(
            "Someone changed the letters of this breach since you opened it. Open it again to see their "
            "change, then save yours."
        )


def _letters_produced(breach: Breach) -> bool:
    return BreachAffected.objects.filter(breach=breach, letter_produced_at__isnull=False).exists()


def _audit(actor: User, action: str, affected: BreachAffected, **detail: Any) -> None:
    # Filed under the client, so the letter shows in their "who has read my file".
    audit_record(
        actor=actor,
        action=action,
        obj=affected,
        client_id=affected.client_id,
        detail={"breach": str(affected.breach_id), **detail},
    )


# --- the people affected --------------------------------------------------------------------


@transaction.atomic
def breach_affected_add(
    *, actor: User, breach: Breach, client: Client | None = None, organisation: Organisation | None = None
) -> BreachAffected:
    """Name a client or an organisation (exactly one) as affected by the breach."""
    locked = _locked_breach(actor, breach)
    if (client is None) == (organisation is None):
        raise ValidationError("Name either a client or an organisation affected, not both.")
    if client is not None and not access.clients_visible_to(actor).filter(pk=client.pk).exists():
        raise ValidationError({"client": "Choose one of the practice's clients."})
    if organisation is not None and not access.organisations_visible_to(actor).filter(pk=organisation.pk).exists():
        raise ValidationError({"organisation": "Choose one of the practice's organisations."})
    existing = BreachAffected.objects.filter(breach=locked)
    if client is not None and existing.filter(client=client).exists():
        raise ValidationError({"client": "This client is already named as affected."})
    if organisation is not None and existing.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": "This organisation is already named as affected."})
    affected = BreachAffected(breach=locked, client=client, organisation=organisation, added_by=actor)
    affected.full_clean()
    try:
        with transaction.atomic():
            affected.save()
    except IntegrityError:  # named at the same moment by another request
        raise ValidationError("This person is already named as affected.") from None
    _audit(actor, "breach.affected.add", affected, kind="client" if client is not None else "organisation")
    return affected


@transaction.atomic
def breach_affected_remove(*, actor: User, affected: BreachAffected) -> None:
    """Take a person off the list, as long as no letter to them was produced (then it is a record)."""
    _locked_breach(actor, affected.breach)
    current = BreachAffected.objects.select_for_update().filter(pk=affected.pk).first()
    if current is None:
        raise Http404
    if current.letter_produced_at is not None:
        raise ValidationError("A letter to them was produced: it stays on the record.")
    _audit(actor, "breach.affected.remove", current, kind="client" if current.client_id else "organisation")
    current.delete()


# --- the decision and the letter ----------------------------------------------------------------


@transaction.atomic
def breach_communication_decide(
    *,
    actor: User,
    breach: Breach,
    expected_version: int,
    decision: str,
    reason: str,
    public_communication: str = "",
) -> BreachCommunication:
    """Record whether the people affected are told (art. 34(1)) or why not (34(3)), with the reasoning."""
    locked = _locked_breach(actor, breach)
    communication = _communication(locked)
    _check_version(communication, expected_version)
    load_data_keys([locked.data_key_id])
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose a decision."})
    reason = _text(reason, "reason", "The reason for the decision", required=decision != Decision.UNDECIDED)
    public_communication = _text(
        public_communication,
        "public_communication",
        "The public communication",
        required=decision == Decision.DISPROPORTIONATE,
    )
    if decision != Decision.DISPROPORTIONATE and public_communication:
        raise ValidationError(
            {"public_communication": "A public communication is recorded only when it replaces the letters."}
        )
    if decision != Decision.TELL and _letters_produced(locked):
        raise ValidationError({"decision": "Letters have been produced: the decision to tell the people stands."})
    changed = sorted(
        name
        for name, value in (
            ("decision", decision),
            ("reason", reason),
            ("public_communication", public_communication),
        )
        if getattr(communication, name) != value
    )
    if not changed:
        return communication
    if "decision" in changed:
        communication.decided_at = None if decision == Decision.UNDECIDED else timezone.now()
        communication.decided_by = None if decision == Decision.UNDECIDED else actor
    communication.decision = decision
    communication.reason = reason
    communication.public_communication = public_communication
    communication.version += 1
    communication.full_clean()
    communication.save()
    audit_record(
        actor=actor,
        action="breach.communication.decide",
        obj=locked,
        detail={"decision": decision, "fields": changed, "version": communication.version},
    )
    _remember(breach, communication)
    return communication


@transaction.atomic
def breach_letter_write(*, actor: User, breach: Breach, expected_version: int, **texts: Any) -> BreachCommunication:
    """Write what the letter says beyond its fixed parts. A draft may be incomplete; producing the
    letters needs every part. Fixed once a letter is produced."""
    unknown = set(texts) - set(LETTER_FIELDS)
    if unknown:
        raise ValidationError(f"These are not parts of the letter: {', '.join(sorted(unknown))}.")
    locked = _locked_breach(actor, breach)
    communication = _communication(locked)
    _check_version(communication, expected_version)
    load_data_keys([locked.data_key_id])
    clean = {
        name: _text(texts.get(name, ""), name, label, required=False, max_chars=BREACH_TEXT_MAX_CHARS)
        for name, label in LETTER_FIELDS.items()
    }
    changed = sorted(name for name, value in clean.items() if getattr(communication, name) != value)
    if not changed:
        return communication
    if _letters_produced(locked):
        raise ValidationError("Letters have been produced with this text: it can no longer change.")
    for name, value in clean.items():
        setattr(communication, name, value)
    communication.letter_written_at = timezone.now()
    communication.letter_written_by = actor
    communication.version += 1
    communication.full_clean()
    communication.save()
    audit_record(
        actor=actor,
        action="breach.letter.write",
        obj=locked,
        detail={"fields": changed, "version": communication.version},
    )
    _remember(breach, communication)
    return communication


# --- producing and delivering the letters -----------------------------------------------------


@dataclass(frozen=True)
class Produced:
    sent: int  # told through their portal login(s)
    to_post: int  # no login: to print and post


def _recipients(affected: BreachAffected) -> list[User]:
    """The portal logins a letter goes to: the client's own; the organisation's active contacts'."""
    from confidentiality.accounts import account_in_force

    if affected.client_id is not None:
        user = affected.client.user if affected.client is not None else None
        return [user] if user is not None and account_in_force(user) else []
    organisation_id = affected.organisation_id
    if organisation_id is None:  # the record named was deleted since (detached): no one to send to
        return []
    users = User.objects.filter(
        sponsor_contact__organisation_id=organisation_id, sponsor_contact__active=True, is_active=True
    ).order_by("pk")
    return [user for user in users if account_in_force(user)]


@transaction.atomic
def breach_letters_produce(*, actor: User, breach: Breach) -> Produced:
    """Produce the letters not produced yet, and send each to the portal login(s) it can go to."""
    locked = _locked_breach(actor, breach)
    if locked.status != Breach.Status.OPEN:
        raise ValidationError("Confirm the breach before writing to the people it affects.")
    communication = _communication(locked)
    if not communication.tells:
        raise ValidationError(
            {"decision": "Record the decision to tell the people affected (high risk to them) first."}
        )
    load_data_keys([locked.data_key_id])
    missing = {
        name: f"{label}: the letter needs this."
        for name, label in LETTER_FIELDS.items()
        if not getattr(communication, name)
    }
    if missing:
        raise ValidationError(missing)
    pending = list(
        BreachAffected.objects.select_for_update(of=("self",))
        .select_related("client__user")
        .filter(breach=locked, letter_produced_at__isnull=True)
    )
    if not pending:
        raise ValidationError("Every person named has their letter. Name another person affected first.")
    now = timezone.now()
    sent = to_post = 0
    for affected in pending:
        affected.breach = locked
        affected.letter_produced_at = now
        affected.letter_produced_by = actor
        recipients = _recipients(affected)
        if recipients:
            affected.sent_at = now
            sent += 1
        else:
            to_post += 1
        affected.full_clean()
        affected.save(update_fields=["letter_produced_at", "letter_produced_by", "sent_at"])
        _audit(actor, "breach.letter.produce", affected, sent_to=len(recipients))
        if recipients:
            # Says that a letter is there and where; never what it says.
            notify(
                users=recipients,
                text=f"The practice has written to you about a breach of data protection ({locked.reference}). "
                "Please read the letter in your portal.",
                link=reverse("complaints:breach_letter", args=[affected.pk]),
            )
    return Produced(sent=sent, to_post=to_post)


@transaction.atomic
def breach_letter_mark_posted(*, actor: User, affected: BreachAffected) -> BreachAffected:
    """The administrator printed the letter and posted it."""
    _locked_breach(actor, affected.breach)
    current = BreachAffected.objects.select_for_update().filter(pk=affected.pk).first()
    if current is None:
        raise Http404
    if current.letter_produced_at is None:
        raise ValidationError("Produce the letter before posting it.")
    if current.posted_at is not None:
        raise ValidationError("This letter is already marked as posted.")
    current.posted_at = timezone.now()
    current.posted_by = actor
    current.full_clean()
    current.save(update_fields=["posted_at", "posted_by"])
    _audit(actor, "breach.letter.post", current)
    affected.posted_at, affected.posted_by_id = current.posted_at, current.posted_by_id
    return current


# --- reading -----------------------------------------------------------------------------------


def breach_affected_for(*, user: User, breach: Breach) -> list[BreachAffected]:
    """The people named on a breach, for the administrator's page: two queries, keys loaded."""
    if not access.can_handle_breach(user, breach):
        return []
    rows = list(
        BreachAffected.objects.filter(breach=breach).select_related("client", "organisation").order_by("added_at")
    )
    load_data_keys([row.client.data_key_id for row in rows if row.client is not None])
    return rows


def breach_letter_read(*, user: User, affected: BreachAffected, download: bool = False) -> dict[str, Any]:
    """What a letter says, for its page or its PDF; the read is audited, and the recipient's first
    read is recorded. The caller got ``affected`` through ``access.breach_letter_get_for``, which
    loaded the text and the data keys with it."""
    breach = affected.breach
    communication = communication_of(breach)
    if communication is None:  # a produced letter always has its text
        raise Http404
    if affected.client_id is None and affected.organisation_id is None:
        raise Http404  # the person's record was deleted since: the register keeps only that they were told
    remember_data_keys([breach.data_key, affected.client.data_key if affected.client is not None else None])
    if not access.can_handle_breach(user, breach) and affected.first_read_at is None:
        affected.first_read_at = timezone.now()
        BreachAffected.objects.filter(pk=affected.pk, first_read_at__isnull=True).update(
            first_read_at=affected.first_read_at
        )
    _audit(user, "breach.letter.download" if download else "breach.letter.read", affected)
    return letter_context(affected, communication)


def letter_context(affected: BreachAffected, communication: BreachCommunication) -> dict[str, Any]:
    """The letter's parts; data keys loaded by the caller."""
    from confidentiality.practice import current_practice

    return {
        "practice": current_practice(),
        "affected": affected,
        "breach": affected.breach,
        "communication": communication,
        "to": affected.client.full_name if affected.client is not None else affected.organisation.name,  # type: ignore[union-attr]
        "dated": affected.letter_produced_at,
        "signed_by": affected.letter_produced_by,
    }


def client_choices_for(*, user: User) -> list[tuple[str, str]] | None:
    """The clients the administrator may name as affected, by name (keys loaded in one query); None
    where there are more than ``CLIENT_CHOICES_MAX``: a client is then named by one of their
    engagements' references (``affected_client_from``)."""
    clients = bounded_clients(user)
    return None if clients is None else [(str(c.pk), c.full_name) for c in clients]


def affected_client_from(*, user: User, client: Any, engagement: Any) -> Any:
    """The client the administrator named: chosen by id, or by one of their engagements' references."""
    from engagements.models import Engagement

    visible = access.clients_visible_to(user)
    reference = engagement.strip() if isinstance(engagement, str) else ""
    if client:
        found = visible.filter(pk=client).first()
    elif reference:
        owner = Engagement.objects.filter(reference__iexact=reference).values_list("client_id", flat=True).first()
        found = visible.filter(pk=owner).first() if owner is not None else None
        if found is None:
            raise ValidationError({"engagement": f"No engagement has the reference {reference[:40]}."})
    else:
        found = None
    if found is None:
        raise ValidationError({"client": "Choose one of the practice's clients."})
    return found


def breach_letters_page_for(*, user: User, breach: Breach) -> dict[str, Any]:
    """What the breach's page shows of its letters to the administrator; nothing to anyone else."""
    if not access.can_handle_breach(user, breach):
        return {}
    communication = communication_of(breach)
    affected = breach_affected_for(user=user, breach=breach)
    return {
        "communication": communication,
        "affected": affected,
        "letters_produced": any(a.letter_produced_at is not None for a in affected),
        "letters_pending": sum(1 for a in affected if a.letter_produced_at is None),
    }
