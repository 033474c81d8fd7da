"""The disclosure register: every time information about a client leaves the practice.

Policy 001: "The only time the consumers personal and private information can be shared is when
the consumer gives permission, preferably in writing; or as required by a relevant government
organisation. It is recommended that the … Coach … writes to the consumer to confirm the details
and includes the reason." Policy 004 adds "compelling evidence of serious danger", and asks for
only "the specifics" to be disclosed.

So each disclosure records what (the specifics), to whom, why, on what basis, who authorised it
and the evidence; one made without the client's own written word waits for a second person's
approval; and once made, a confirmation letter to the client states the details and the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

import access
from confidentiality.audit import audit_engagement_event
from consent.models import ConsentRecord
from disclosures.models import NEEDS_SECOND_APPROVAL, Concern, Disclosure, RecipientKind

if TYPE_CHECKING:
    from confidentiality.models import User

Basis = Disclosure.Basis
State = Disclosure.State
TEXT_MAX_CHARS = 10_000
RECIPIENT_MAX_CHARS = 300

# What the coach may choose; the client's approval of a report is recorded by its release only.
CHOOSABLE_BASES = [
    (value, label) for value, label in Basis.choices if value not in (Basis.CLIENT_APPROVAL, Basis.ORGANISATION_CONDUCT)
]
# Recorded directly, a disclosure rests on the client's written consent; every other basis is a
# disclosure without it, made at the disclosure step of a concern (policy 004).
DIRECT_BASES = [(value, label) for value, label in Basis.choices if value == Basis.CLIENT_CONSENT]


# --- reading -------------------------------------------------------------------------------


def disclosures_for(*, user: User, engagement: Any = None) -> QuerySet[Disclosure]:
    return (
        access.disclosures_visible_to(user, engagement)
        .select_related(
            "engagement", "client", "authorised_by", "second_approved_by", "supervisor", "consent", "report"
        )
        .order_by("-created_at")
    )


def active_disclosure_consents(client: Any, engagement: Any) -> QuerySet[ConsentRecord]:
    """The client's unwithdrawn consents to a disclosure, for this engagement or for any."""
    from django.db.models import Q

    return ConsentRecord.objects.filter(
        Q(engagement=engagement) | Q(engagement__isnull=True),
        client=client,
        kind=ConsentRecord.Kind.DISCLOSURE,
        withdrawn_at__isnull=True,
    ).order_by("-given_at")


def audit_disclosure_reads(*, actor: User, engagement: Any, disclosures: list[Disclosure]) -> None:
    """One event per engagement's page of disclosures read: ids only, never their text."""
    if disclosures:
        audit_engagement_event(
            actor,
            "disclosure.read",
            engagement,
            disclosures[0] if len(disclosures) == 1 else None,
            ids=[str(d.pk) for d in disclosures],
            count=len(disclosures),
        )


# --- writing -------------------------------------------------------------------------------


def _clean(value: str, *, field: str, label: str, limit: int = TEXT_MAX_CHARS) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: f"Say {label}."})
    if len(value) > limit:
        raise ValidationError({field: f"Keep it to {limit:,} characters."})
    return value


# The client's own written word: signed in the portal, or on paper with the signed form attached.
WRITTEN_CONSENT = frozenset({ConsentRecord.Method.PORTAL, ConsentRecord.Method.PAPER})


def _check_evidence(
    *, engagement: Any, basis: str, consent: ConsentRecord | None, document: Any, report: Any
) -> ConsentRecord | None:
    """Each basis has its evidence; a consent is re-read under lock so a withdrawal cannot race it."""
    if consent is not None and basis != Basis.CLIENT_CONSENT:
        raise ValidationError(
            {"consent": "A consent record is evidence only for a disclosure on the client's consent."}
        )
    if report is not None and (basis != Basis.CLIENT_APPROVAL or report.engagement_id != engagement.pk):
        raise ValidationError({"report": "That report is not evidence for this disclosure."})
    if document is not None and document.engagement_id != engagement.pk:
        raise ValidationError({"document": "That document belongs to another engagement."})
    if basis == Basis.CLIENT_CONSENT:
        if consent is None:
            raise ValidationError(
                {
                    "consent": "A disclosure on the client's consent needs their written consent to it: "
                    "record the consent first. Nothing was disclosed."
                }
            )
        locked = ConsentRecord.objects.select_for_update().filter(pk=consent.pk).first()
        if (
            locked is None
            or locked.client_id != engagement.client_id
            or locked.kind != ConsentRecord.Kind.DISCLOSURE
            or (locked.engagement_id is not None and locked.engagement_id != engagement.pk)
        ):
            raise ValidationError({"consent": "That is not this client's consent to a disclosure."})
        if locked.withdrawn_at is not None:
            raise ValidationError(
                {"consent": "The client has withdrawn that consent, so it cannot be relied on. Nothing was disclosed."}
            )
        if locked.method not in WRITTEN_CONSENT:
            # Policy 001: consent "preferably in writing". What the practice noted the client said
            # is its own word, not the client's: that is a disclosure without consent.
            raise ValidationError(
                {
                    "consent": "That consent was told to the practice, not given in writing, so a disclosure "
                    "cannot rest on it alone. Ask the client to sign a consent form (record it on paper, with "
                    "the scan), or raise a concern, whose disclosure needs a second approval. "
                    "Nothing was disclosed."
                }
            )
        return locked
    # The report's own class names its states: this app sits below reports and does not import it.
    if basis == Basis.CLIENT_APPROVAL and (report is None or report.state != report.State.RELEASED):
        raise ValidationError({"report": "Only a released report the client approved is disclosed on that basis."})
    if basis == Basis.ORGANISATION_CONSENT and document is None:
        raise ValidationError({"document": "Attach the organisation's written consent as evidence."})
    return None


# Policy 001: in serious danger, to "the International Regulator of Coaching and Mentoring CIC, or
# relevant government organisation" (the emergency services and the police are such bodies), or
# "where agreed": anyone else only where the signed agreement names them (consent.DangerParty).
SERIOUS_DANGER_RECIPIENTS = frozenset(
    {RecipientKind.EMERGENCY, RecipientKind.POLICE, RecipientKind.REGULATOR, RecipientKind.GOVERNMENT}
)


def check_serious_danger_recipient(engagement: Any, recipient_kind: str) -> None:
    """Refuse a serious-danger disclosure to anyone the policy does not name and the agreement does not."""
    if recipient_kind in SERIOUS_DANGER_RECIPIENTS:
        return
    from consent.models import Agreement, danger_parties

    signed = Agreement.objects.filter(engagement=engagement, state=Agreement.State.SIGNED).order_by("-version").first()
    if signed is not None and recipient_kind in danger_parties(signed.serious_danger_parties):
        return
    raise ValidationError(
        {
            "recipient_kind": "In serious danger the information goes to the emergency services, the police, a "
            "regulator or a government body (policy 001), or to a party the agreement names, and the agreement "
            "does not name this one. Nothing was disclosed."
        }
    )


def _check_private(engagement: Any, *, basis: str, organisation_involved: bool) -> None:
    """A private client pays for their own coaching: no organisation is party to the engagement, so
    nothing rests on an organisation's consent or concerns its conduct or its information."""
    if engagement.is_private and (
        organisation_involved or basis in (Basis.ORGANISATION_CONSENT, Basis.ORGANISATION_CONDUCT)
    ):
        raise ValidationError(
            {
                "concerns_organisation": "This client pays for their own coaching: no organisation is party to the "
                "engagement. Nothing was disclosed."
            }
        )


def _check_organisations_consent(
    *, engagement: Any, basis: str, concerns_organisation: bool, organisation_consent: Any
) -> Any:
    """Policy 001: with the client's consent, information that concerns the organisation as well is
    disclosed only with the organisation's written consent too. Without consent (through a concern,
    approved by a second person) neither is asked; a letter given anyway is kept as evidence."""
    if organisation_consent is not None and organisation_consent.engagement_id != engagement.pk:
        raise ValidationError(
            {
                "organisation_consent": "That document belongs to another engagement: "
                "it is not this organisation's consent."
            }
        )
    if concerns_organisation and basis not in NEEDS_SECOND_APPROVAL and organisation_consent is None:
        raise ValidationError(
            {
                "organisation_consent": "This information concerns the organisation too: it is disclosed only with "
                "the organisation's written consent as well as the client's (policy 001). Upload its letter to "
                "the engagement's documents and choose it. Nothing was disclosed."
            }
        )
    return organisation_consent


def _at_disclosure_step(concern: Any, engagement: Any, basis: str) -> bool:
    """The concern is this engagement's, open, and its next step is the disclosure: a concern about
    something said discloses at its "disclosure" step, one about the organisation's conduct at its
    "escalation" step, on that basis only."""
    from disclosures import concerns

    if concern is None or concern.engagement_id != engagement.pk or concern.state != Concern.State.OPEN:
        return False
    step = concerns.next_step(concern)
    if concern.kind == Concern.Kind.ORGANISATION_CONDUCT:
        return step is not None and step.key == "escalation" and basis == Basis.ORGANISATION_CONDUCT
    return step is not None and step.key == "disclosure" and basis != Basis.ORGANISATION_CONDUCT


@transaction.atomic
def disclosure_record(
    *,
    actor: User,
    engagement: Any,
    what: str,
    recipient_kind: str,
    recipient: str,
    reason: str,
    basis: str,
    consent: ConsentRecord | None = None,
    document: Any = None,
    report: Any = None,
    supervisor: User | None = None,
    concern: Any = None,
    concerns_organisation: bool = False,
    organisation_consent: Any = None,
) -> Disclosure:
    """Record a disclosure. On the client's own written word it is made at once and the client is
    sent the confirmation; on any other basis it waits for a second person's approval. Information
    that concerns the organisation as well needs its written consent too, unless it is disclosed
    without consent, through a concern."""
    if not access.can_write_disclosures(actor, engagement):
        raise PermissionDenied("Only a coach on this engagement records its disclosures.")
    if basis not in Basis.values:
        raise ValidationError({"basis": "Choose the basis of the disclosure."})
    if recipient_kind not in RecipientKind.values:
        raise ValidationError({"recipient_kind": "Choose who receives the information."})
    _check_private(engagement, basis=basis, organisation_involved=concerns_organisation or bool(organisation_consent))
    what = _clean(what, field="what", label="exactly what is disclosed: the specifics only")
    recipient = _clean(recipient, field="recipient", label="to whom", limit=RECIPIENT_MAX_CHARS)
    reason = _clean(reason, field="reason", label="why it is disclosed")
    needs_approval = basis in NEEDS_SECOND_APPROVAL
    if needs_approval and not _at_disclosure_step(concern, engagement, basis):
        raise ValidationError(
            {
                "basis": "A disclosure without the client's written consent is made through a concern: raise one "
                "on this engagement and take its steps up to the disclosure (policy 004). Nothing was disclosed."
            }
        )
    consent = _check_evidence(engagement=engagement, basis=basis, consent=consent, document=document, report=report)
    if basis == Basis.SERIOUS_DANGER:
        check_serious_danger_recipient(engagement, recipient_kind)
    organisation_consent = _check_organisations_consent(
        engagement=engagement,
        basis=basis,
        concerns_organisation=concerns_organisation,
        organisation_consent=organisation_consent,
    )
    if supervisor is not None:
        if not needs_approval:
            supervisor = None  # nothing to approve: the client's own word is the authority
        elif not access.can_be_supervisor(supervisor, for_user=actor):
            raise ValidationError({"supervisor": "Name another coach of the practice as supervisor."})
    if concern is not None:
        if concern.engagement_id != engagement.pk:
            raise ValidationError("That concern belongs to another engagement.")
        if Disclosure.objects.filter(concern=concern, state=State.AWAITING_APPROVAL).exists():
            raise ValidationError("This concern's disclosure is already waiting for a second approval.")
    disclosure = Disclosure(
        engagement=engagement,
        client_id=engagement.client_id,
        concern=concern,
        what=what,
        recipient_kind=recipient_kind,
        recipient=recipient,
        reason=reason,
        basis=basis,
        state=State.AWAITING_APPROVAL if needs_approval else State.MADE,
        authorised_by=actor,
        consent=consent,
        document=document,
        report=report,
        supervisor=supervisor,
        concerns_organisation=concerns_organisation,
        organisation_consent=organisation_consent,
    )
    if not needs_approval:
        disclosure.made_at = timezone.now()
    disclosure.full_clean()
    disclosure.save()
    audit_engagement_event(
        actor,
        "disclosure.record",
        engagement,
        disclosure,
        basis=basis,
        recipient_kind=recipient_kind,
        state=disclosure.state,
        evidence=_evidence_code(disclosure),
    )
    if needs_approval:
        from confidentiality.notify import about, notify

        notify(
            users=access.approvers_of(disclosure),
            text="A disclosure is waiting for your second approval.",
            link=disclosure_link(disclosure),
            about=about("disclosure.decide", disclosure),
        )
    else:
        _confirm_to_client(actor=actor, disclosure=disclosure)
    return disclosure


@transaction.atomic
def disclosure_decide(*, actor: User, disclosure: Disclosure, approve: bool) -> Disclosure:
    """The second person's decision. Approved, it is made and the client is written to."""
    from confidentiality.notify import about, notify, resolve

    locked = (
        Disclosure.objects.select_for_update(of=("self",))
        .select_related("engagement__client", "client", "authorised_by")
        .get(pk=disclosure.pk)
    )
    if not access.can_approve_disclosure(actor, locked):
        if locked.state != State.AWAITING_APPROVAL:
            raise ValidationError("This disclosure is not waiting for approval.")
        raise PermissionDenied("Only the administrator or the named supervisor approves, never its author.")
    now = timezone.now()
    locked.second_approved_by = actor
    locked.second_decision_at = now
    locked.state = State.MADE if approve else State.DECLINED
    locked.made_at = now if approve else None
    locked.save(update_fields=["second_approved_by", "second_decision_at", "state", "made_at"])
    resolve(about("disclosure.decide", locked))  # decided: the other approvers need not look
    audit_engagement_event(
        actor, "disclosure.approve" if approve else "disclosure.decline", locked.engagement, locked, basis=locked.basis
    )
    notify(
        users=[locked.authorised_by],
        text="A disclosure you asked for was approved." if approve else "A disclosure you asked for was not approved.",
        link=disclosure_link(locked),
    )
    if approve:
        _confirm_to_client(actor=actor, disclosure=locked)
        if locked.concern_id is not None:
            from disclosures.concerns import concern_disclosure_made

            concern_disclosure_made(actor=actor, disclosure=locked)
    return locked


@transaction.atomic
def disclosure_mark_letter_sent(*, actor: User, disclosure: Disclosure) -> Disclosure:
    """For a client without a portal login: the coach records that the letter went by post."""
    if not access.can_write_disclosures(actor, disclosure.engagement):
        raise PermissionDenied("Only a coach on this engagement records that the letter was sent.")
    locked = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    if locked.state != State.MADE:
        raise ValidationError("A disclosure that was not made has no confirmation letter.")
    if locked.confirmation_sent_at is not None:
        raise ValidationError("The letter was already sent.")
    locked.confirmation_sent_at = timezone.now()
    locked.save(update_fields=["confirmation_sent_at"])
    audit_engagement_event(actor, "disclosure.confirmation_sent", disclosure.engagement, locked, channel="post")
    return locked


def disclosure_record_for_report(*, actor: User, report: Any) -> Disclosure:
    """A released report enters the register: its title and approved version (never its text),
    to the sponsoring organisation, on the client's approval of exactly that version."""
    engagement = report.engagement
    return disclosure_record(
        actor=actor,
        engagement=engagement,
        what=f"The report “{report.title}”, version {report.approved_version}, as the client approved it.",
        recipient_kind=RecipientKind.SPONSOR,
        recipient=engagement.organisation.name,
        reason="A report to the organisation within what the signed confidentiality agreement shares with it, "
        "released after the client approved this version.",
        basis=Basis.CLIENT_APPROVAL,
        report=report,
    )


def _confirm_to_client(*, actor: User, disclosure: Disclosure) -> None:
    """The letter is the PDF behind the link; the notice and e-mail carry the link only. A client
    without a portal login is written to by post, and the coach records when it was sent."""
    from confidentiality.notify import notify

    if disclosure.confirmed_to_organisation:
        return  # by post; the coach records when it was sent
    client_user = disclosure.client.user
    if client_user is None or not client_user.is_active:
        return
    notify(
        users=[client_user],
        text="The practice has written to confirm information it shared about you, and why.",
        link=disclosure_link(disclosure),
    )
    disclosure.confirmation_sent_at = timezone.now()
    disclosure.save(update_fields=["confirmation_sent_at"])
    audit_engagement_event(actor, "disclosure.confirmation_sent", disclosure.engagement, disclosure, channel="portal")


def _evidence_code(disclosure: Disclosure) -> str:
    if disclosure.consent_id:
        return "consent"
    if disclosure.report_id:
        return "report"
    if disclosure.document_id:
        return "document"
    return "none"


def disclosure_link(disclosure: Disclosure) -> str:
    return reverse("disclosures:disclosure_detail", args=[disclosure.pk])


def letter_context(disclosure: Disclosure) -> dict[str, Any]:
    """What the confirmation letter says. The caller loads the data keys and audits the read."""
    return {
        "disclosure": disclosure,
        "engagement": disclosure.engagement,
        "client": disclosure.client,
        "basis": disclosure.get_basis_display(),
        "recipient_kind": disclosure.get_recipient_kind_display(),
    }
