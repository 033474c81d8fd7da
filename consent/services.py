"""Writes about agreements and consent. Each takes the acting person, asks the policy, audits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef
from django.utils import timezone

import access
from confidentiality.audit import audit_engagement_event, audit_record
from consent import hooks
from consent.models import (
    Agreement,
    AgreementCoachCode,
    AgreementTemplate,
    AgreementTerm,
    ConsentRecord,
    DangerParty,
    InformationCategory,
    ProfessionalCode,
    Signature,
    danger_parties,
)
from consent.text import agreement_text

if TYPE_CHECKING:
    from confidentiality.models import User

CONTENT_FIELDS = (
    "introduction",
    "sponsor_summary_includes",
    "sponsor_summary_excludes",
    "feedback_anonymity",
    "exceptions",
    "guidelines",
    "adviser_name",
    "adviser_contact",
    "sponsor_duty",
    "client_feedback_response",
    "serious_danger_parties",
)
TERM_FIELDS = ("shared", "with_whom", "by_whom", "when", "form", "circumstances")


# --- consent -----------------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *,
    actor: User | None,
    client: Any,
    kind: str,
    wording: str,
    method: str,
    engagement: Any = None,
    evidence: Any = None,
) -> ConsentRecord:
    if actor is not None and not access.can_record_consent(actor, client):
        raise PermissionDenied("You cannot record consent for this client.")
    if not wording.strip():
        raise ValidationError({"wording": "Record the exact words the client agreed to."})
    if method not in ConsentRecord.Method.values:
        raise ValidationError({"method": "Say how the client gave their consent."})
    if method == ConsentRecord.Method.PAPER and evidence is None:
        raise ValidationError({"evidence": "Consent on paper needs the scanned form as evidence."})
    if (
        method == ConsentRecord.Method.PORTAL
        and actor is not None
        and (client.user_id is None or actor.pk != client.user_id)
    ):
        # Only the client signs in the portal: the practice records paper (with the scan) or what it was told.
        raise ValidationError(
            {"method": "Only the client gives consent in the portal. Record a signed form, or what they told you."}
        )
    if engagement is not None and engagement.client_id != client.pk:
        raise ValidationError({"engagement": "That engagement is not this client's."})
    if kind == ConsentRecord.Kind.BASIC_INFORMATION and has_active_consent(client, kind):
        # One standing consent: a second would outlive the client's withdrawal of the first.
        raise ValidationError({"kind": "The client's consent to hold their information is already on record."})
    consent = ConsentRecord(
        client=client,
        engagement=engagement,
        kind=kind,
        wording=wording.strip(),
        method=method,
        evidence=evidence,
        recorded_by=actor,
    )
    consent.full_clean()
    consent.save()
    audit_record(actor=actor, action="consent.record", obj=consent, client_id=client.pk, detail={"kind": kind})
    if kind == ConsentRecord.Kind.BASIC_INFORMATION:
        _engagements_follow_consent(actor, client)
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, consent: ConsentRecord) -> ConsentRecord:
    """Withdrawal takes effect at once: every check reads withdrawn_at."""
    if not access.can_withdraw_consent(actor, consent):
        raise PermissionDenied("You cannot withdraw this consent.")
    locked = ConsentRecord.objects.select_for_update().get(pk=consent.pk)
    if locked.withdrawn_at is not None:
        raise ValidationError("This consent was already withdrawn.")
    withdrawing = [locked]
    if locked.kind == ConsentRecord.Kind.BASIC_INFORMATION:
        # Withdrawing it withdraws it: any other standing record of the same consent goes too.
        withdrawing += list(
            ConsentRecord.objects.select_for_update()
            .filter(client_id=locked.client_id, kind=locked.kind, withdrawn_at__isnull=True)
            .exclude(pk=locked.pk)
        )
    now = timezone.now()
    for record in withdrawing:
        record.withdrawn_at = now
        record.withdrawn_by = actor
        record.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit_record(
            actor=actor, action="consent.withdraw", obj=record, client_id=record.client_id, detail={"kind": record.kind}
        )
    if locked.kind == ConsentRecord.Kind.BASIC_INFORMATION:
        _engagements_follow_consent(actor, locked.client)
    for hook in hooks.ON_WITHDRAWAL:
        # What rests on the consent (a testimonial) follows it in this same transaction.
        hook(actor=actor, consents=withdrawing)
    return locked


def _start_when_agreed(actor: User | None, engagement: Any) -> None:
    """A proposed engagement becomes active as the last party signs its agreement (if the client's
    consent to hold their information stands): coaching starts once everything is agreed."""
    status = type(engagement).Status
    if engagement.status != status.PROPOSED or not has_active_consent(
        engagement.client, ConsentRecord.Kind.BASIC_INFORMATION
    ):
        return
    type(engagement).objects.filter(pk=engagement.pk, status=status.PROPOSED).update(
        status=status.ACTIVE, version=F("version") + 1
    )
    engagement.refresh_from_db()
    audit_engagement_event(actor, "engagement.start", engagement, reason="agreement_signed")


def _engagements_follow_consent(actor: User | None, client: Any) -> None:
    """Policy 002: without consent to hold their information no service is provided. When the last
    such consent is withdrawn, the client's active engagements pause at once and the people on them
    and the administrators are told; when it is given again, the engagements it paused resume (as
    proposed if their current agreement is not signed by everyone) and a proposed engagement whose
    agreement is signed starts. The e-mails name the engagement's reference only; a sponsor is told
    that it paused or resumed, as for any pause, never why."""
    from confidentiality.notify import about, notify, resolve

    consented = has_active_consent(client, ConsentRecord.Kind.BASIC_INFORMATION)
    engagements = client.engagements.select_for_update()
    status = engagements.model.Status
    if consented:
        for proposed in engagements.filter(status=status.PROPOSED):
            if not agreement_missing(proposed):
                _start_when_agreed(actor, proposed)
        affected = list(engagements.filter(status=status.PAUSED, paused_for_consent=True))
    else:
        affected = list(engagements.filter(status=status.ACTIVE))
    for engagement in affected:
        if consented:
            engagement.status = status.PROPOSED if agreement_missing(engagement) else status.ACTIVE
        else:
            engagement.status = status.PAUSED
        engagement.paused_for_consent = not consented
        engagement.version += 1
        engagement.save(update_fields=["status", "paused_for_consent", "version"])
        audit_engagement_event(
            actor, "engagement.resume" if consented else "engagement.pause", engagement, reason="basic_consent"
        )
        practice = coaches_and_administrators(engagement)
        paused = about("engagement.paused", engagement)
        link = f"/engagements/{engagement.pk}/"
        if consented:
            resolve(paused)
            notify(users=practice, text=f"Engagement {engagement.reference} has resumed.", link=link)
        else:
            notify(
                users=practice,
                text=f"Engagement {engagement.reference} is paused by a change in the client's consent: "
                "the engagement page says what this stops.",
                link=link,
                about=paused,
            )
        tell_sponsors_of_pause(engagement, paused=not consented)


def coaches_and_administrators(engagement: Any) -> list[Any]:
    """Who is told of what happens to an engagement's work: its coaches, and the administrators."""
    from confidentiality.accounts import administrators

    coaches = [m.user for m in engagement.members.filter(kind="coach").select_related("user")]
    return coaches + [admin for admin in administrators() if admin not in coaches]


def signing_asked_no_more(engagement: Any, users: list[Any] | None = None) -> None:
    """The notices asking ``users`` (everyone, when None) to sign the engagement's agreement are done:
    they left the engagement, or it closed while the agreement waited for signatures."""
    from confidentiality.notify import about, resolve

    for agreement in Agreement.objects.filter(engagement=engagement, state=Agreement.State.OUT_FOR_SIGNATURE):
        resolve(about("agreement.sign", agreement), users=users)


def tell_sponsors_of_pause(engagement: Any, *, paused: bool) -> None:
    """The organisation's contacts on the engagement are told it paused or resumed, in the same
    words whatever the reason (so the notice itself reveals nothing the client said or did)."""
    from confidentiality.notify import about, notify, resolve

    sponsors = [m.user for m in engagement.members.filter(kind="sponsor").select_related("user")]
    told = about("engagement.paused_for_sponsor", engagement)
    link = f"/engagements/{engagement.pk}/"
    if paused:
        text = f"Engagement {engagement.reference} is paused. The practice will tell you when it resumes."
        notify(users=sponsors, text=text, link=link, about=told)
    else:
        resolve(told)
        notify(users=sponsors, text=f"Engagement {engagement.reference} has resumed.", link=link)


def has_active_consent(client: Any, kind: str) -> bool:
    return ConsentRecord.objects.filter(client=client, kind=kind, withdrawn_at__isnull=True).exists()


def engagement_client_consents() -> Exists:
    """``has_active_consent`` of an engagement's client to holding their basic information, as an
    annotation of the engagement: a page that reads the engagement learns it in the same query."""
    return Exists(
        ConsentRecord.objects.filter(
            client=OuterRef("client_id"), kind=ConsentRecord.Kind.BASIC_INFORMATION, withdrawn_at__isnull=True
        )
    )


# --- agreements --------------------------------------------------------------------------


def current_agreement(engagement: Any) -> Agreement | None:
    """The version in force or waiting for signatures; drafts are not current."""
    return (
        Agreement.objects.filter(
            engagement=engagement, state__in=[Agreement.State.OUT_FOR_SIGNATURE, Agreement.State.SIGNED]
        )
        .order_by("-version")
        .first()
    )


def latest_draft(engagement: Any) -> Agreement | None:
    return Agreement.objects.filter(engagement=engagement, state=Agreement.State.DRAFT).order_by("-version").first()


def required_parties(agreement: Agreement) -> dict[str, list[Any]]:
    """Who must sign: the client, the organisation's sponsor contacts on it, then a coach."""
    members = agreement.engagement.members.select_related("user")
    parties: dict[str, list[Any]] = {"client": [], "sponsor": [], "coach": []}
    for member in members:
        parties[member.kind].append(member.user)
    return parties


def signing_parties(engagement: Any) -> set[str]:
    """The parties whose signatures complete the agreement: client, sponsor and coach; for a private
    client, who pays themselves, client and coach (policy 003: "client, payer and coach")."""
    return {"client", "coach"} if engagement.organisation_id is None else {"client", "sponsor", "coach"}


def agreement_missing(engagement: Any) -> list[str]:
    """What still stands between this engagement and holding notes, reports or feedback."""
    return agreement_missing_from(engagement, current_agreement(engagement))


def agreement_missing_from(engagement: Any, agreement: Agreement | None) -> list[str]:
    """``agreement_missing``, given the engagement's ``current_agreement`` already read (a page that
    shows the agreement and what it lacks reads it once)."""
    if agreement is None:
        return ["No confidentiality agreement has been put out for signing yet."]
    if agreement.state == Agreement.State.SIGNED:
        return []
    signed = set(agreement.signatures.values_list("party", flat=True))
    parties = required_parties(agreement)
    missing = []
    if "client" not in signed:
        missing.append(
            "The client must sign the agreement."
            if parties["client"]
            else "The client needs a portal login to sign the agreement."
        )
    if "sponsor" not in signed and "sponsor" in signing_parties(engagement):
        missing.append(
            "The organisation's sponsor contact must sign the agreement."
            if parties["sponsor"]
            else "Add the organisation's sponsor contact to the engagement so they can sign."
        )
    if "coach" not in signed:
        missing.append("The coach must countersign the agreement.")
    return missing


# UK GDPR arts. 18 and 21 (engagements/restrictions.py): the client's records are kept, not used.
PROCESSING_RESTRICTED = (
    "Processing of the client's records is paused at their request (a restriction or an objection): "
    "nothing can be made or read here until the administrator lifts it."
)
CONSENT_WITHDRAWN = (
    "The client has withdrawn their consent to the practice holding their information, so the "
    "engagement is paused: nothing more can be recorded or sent until they give it again."
)


def work_blockers(
    engagement: Any, *, agreement_missing_now: list[str] | None = None, client_consents: bool | None = None
) -> list[str]:
    """What stands between this engagement and any new work (session, note, document, report,
    feedback request, release): the agreement signed by everyone (policy 003: agreed before coaching
    starts) and the client's consent to hold their information (policy 002). Empty when work may go on.
    ``agreement_missing_now`` and ``client_consents`` (``engagement_client_consents``): what the
    caller has read already."""
    blockers = []
    if engagement.restricted:
        blockers.append(PROCESSING_RESTRICTED)
    if client_consents is None:
        client_consents = has_active_consent(engagement.client, ConsentRecord.Kind.BASIC_INFORMATION)
    if not client_consents:
        blockers.append(CONSENT_WITHDRAWN)
    return blockers + (agreement_missing(engagement) if agreement_missing_now is None else agreement_missing_now)


def require_work_allowed(engagement: Any, what: str) -> None:
    """Refuse new work of kind ``what`` (e.g. "notes") while anything in ``work_blockers`` stands."""
    blockers = work_blockers(engagement)
    for refusal in (PROCESSING_RESTRICTED, CONSENT_WITHDRAWN):
        if refusal in blockers:
            raise ValidationError(refusal)
    if blockers:
        raise ValidationError(f"No {what} can be made until everyone has signed the agreement. " + " ".join(blockers))


def _copy_content(source: Any, target: Any) -> None:
    for name in CONTENT_FIELDS:
        setattr(target, name, getattr(source, name))


@transaction.atomic
def agreement_start(*, actor: User, engagement: Any, template: AgreementTemplate | None = None) -> Agreement:
    """A new draft: from a template, or from the current version when changing a signed agreement."""
    if not access.can_draft_agreement(actor, engagement):
        raise PermissionDenied("Only the administrator or a coach on this engagement drafts its agreement.")
    if latest_draft(engagement) is not None:
        raise ValidationError("A draft already exists: finish it or put it out for signing first.")
    source: Any = template or current_agreement(engagement)
    if source is None:
        raise ValidationError({"template": "Choose a template to start from."})
    version = (Agreement.objects.filter(engagement=engagement).aggregate(m=Max("version"))["m"] or 0) + 1
    draft = Agreement(engagement=engagement, version=version, created_by=actor)
    _copy_content(source, draft)
    draft.full_clean()
    draft.save()
    terms = [
        AgreementTerm(agreement=draft, category_id=term.category_id, **{f: getattr(term, f) for f in TERM_FIELDS})
        for term in source.terms.all()
    ]
    # Categories the practice added since the source was written join as "not shared" until decided.
    covered = {term.category_id for term in terms}
    terms += [
        AgreementTerm(agreement=draft, category=category, shared=False)
        for category in InformationCategory.objects.exclude(pk__in=covered)
    ]
    AgreementTerm.objects.bulk_create(terms)
    AgreementCoachCode.objects.bulk_create(
        AgreementCoachCode(agreement=draft, coach=coach, code=code)
        for coach, code in _codes_to_propose(engagement, source).items()
    )
    audit_engagement_event(actor, "agreement.start", engagement, draft, version=version)
    return draft


def engagement_coaches(engagement: Any) -> list[Any]:
    return [m.user for m in engagement.members.filter(kind="coach").select_related("user").order_by("user_id")]


def _codes_to_propose(engagement: Any, source: Any) -> dict[Any, ProfessionalCode]:
    """The code each coach is proposed to work under in a new draft, for them to check: the one the
    version it is made from names for them, else the one they named last, else the practice's only
    code when it keeps one. A retired code is never proposed."""
    active = list(ProfessionalCode.objects.filter(active=True)[:2])
    proposed = {}
    for coach in engagement_coaches(engagement):
        named = AgreementCoachCode.objects.filter(coach=coach, code__active=True).select_related("code")
        previous = named.filter(agreement=source).first() if isinstance(source, Agreement) else None
        previous = previous or named.order_by("-agreement__created_at").first()
        if previous is not None:
            proposed[coach] = previous.code
        elif len(active) == 1:
            proposed[coach] = active[0]
    return proposed


def _name_codes(agreement: Agreement, coach_codes: dict[int, ProfessionalCode | None]) -> None:
    """Set the code each coach (by user id) works under; None takes the naming away."""
    coaches = {coach.pk: coach for coach in engagement_coaches(agreement.engagement)}
    for coach_id, code in coach_codes.items():
        field = f"coach_{coach_id}"
        if coach_id not in coaches:
            raise ValidationError({field: "Only a coach on this engagement names the code they work under."})
        if code is None:
            AgreementCoachCode.objects.filter(agreement=agreement, coach_id=coach_id).delete()
            continue
        if not ProfessionalCode.objects.filter(pk=code.pk, active=True).exists():
            raise ValidationError({field: "The practice no longer keeps this code: choose one from its list."})
        AgreementCoachCode.objects.update_or_create(
            agreement=agreement, coach=coaches[coach_id], defaults={"code": code}
        )


def agreement_unready(agreement: Agreement) -> dict[str, str]:
    """What a draft must say before it goes out for signing (policies 003, 004): the partners'
    confidentiality guidelines, an adviser on confidentiality questions and how to reach them, and
    the professional code each coach on the engagement works under. Keyed by the draft form's field."""
    missing = {}
    if not agreement.guidelines.strip():
        missing["guidelines"] = "Say which confidentiality guidelines of the partners the coaching works within."
    if not agreement.adviser_name.strip():
        missing["adviser_name"] = "Name the adviser on questions of confidentiality."
    if not agreement.adviser_contact.strip():
        missing["adviser_contact"] = "Say how the partners reach the adviser."
    named = set(
        AgreementCoachCode.objects.filter(agreement=agreement, code__active=True).values_list("coach_id", flat=True)
    )
    for coach in engagement_coaches(agreement.engagement):
        if coach.pk not in named:
            missing[f"coach_{coach.pk}"] = (
                f"Name the professional code {coach.display_name or 'this coach'} works under, "
                "from the practice's list."
            )
    return missing


@transaction.atomic
def agreement_update_draft(
    *,
    actor: User,
    agreement: Agreement,
    expected_edit_version: int,
    content: dict[str, Any],
    terms: dict[int, dict[str, Any]],
    coach_codes: dict[int, ProfessionalCode | None] | None = None,
) -> Agreement:
    """Change a draft's wording and terms. ``terms`` maps category id to its fields; ``coach_codes``
    a coach's user id to the professional code they work under."""
    if not access.can_draft_agreement(actor, agreement.engagement):
        raise PermissionDenied("Only the administrator or a coach on this engagement drafts its agreement.")
    locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if locked.state != Agreement.State.DRAFT:
        raise ValidationError("Only a draft can be changed; change a signed agreement by starting a new version.")
    if locked.edit_version != expected_edit_version:
        raise ValidationError(
            "Someone else changed this draft since you opened it. Reload it and make your change again."
        )
    _apply_wording(
        locked, content, terms, new_term=lambda category_id: AgreementTerm(agreement=locked, category_id=category_id)
    )
    _name_codes(locked, coach_codes or {})
    locked.edit_version += 1
    locked.full_clean()
    locked.save()
    audit_engagement_event(actor, "agreement.edit", locked.engagement, locked, version=locked.version)
    return locked


def _apply_wording(holder: Any, content: dict[str, Any], terms: dict[int, dict[str, Any]], new_term: Any) -> None:
    """Set an agreement's or a template's wording and terms, checking what every agreement needs."""
    for name in CONTENT_FIELDS:
        if name in content:
            setattr(holder, name, content[name])
    if "serious_danger_parties" in content:
        named = [part.strip() for part in (content["serious_danger_parties"] or "").split(",") if part.strip()]
        unknown = sorted(set(named) - set(DangerParty.values))
        if unknown:
            raise ValidationError(
                {"serious_danger_parties": f"Not a party the agreement can name: {', '.join(unknown)}."}
            )
        holder.serious_danger_parties = ",".join(danger_parties(",".join(named)))
    if not (holder.exceptions or "").strip():
        raise ValidationError({"exceptions": "Say in plain words when confidentiality may be broken."})
    for category_id, values in terms.items():
        term = holder.terms.filter(category_id=category_id).first() or new_term(category_id)
        for name in TERM_FIELDS:
            if name in values:
                setattr(term, name, values[name])
        if term.shared and not (term.with_whom.strip() and term.by_whom.strip()):
            raise ValidationError(f"Say with whom and by whom '{term.category.name}' is shared.")
        term.full_clean(exclude=["agreement", "template"])
        term.save()


@transaction.atomic
def agreement_template_update(
    *,
    actor: User,
    template: AgreementTemplate,
    expected_edit_version: int,
    content: dict[str, Any],
    terms: dict[int, dict[str, Any]],
) -> AgreementTemplate:
    """Change a template. Agreements already made from it keep their own wording."""
    from confidentiality.roles import Role
    from consent.models import TemplateTerm

    if access.role_of(actor) not in (Role.ADMIN, Role.COACH):
        raise PermissionDenied("Only the administrator and coaches keep agreement templates.")
    locked = AgreementTemplate.objects.select_for_update().get(pk=template.pk)
    if locked.edit_version != expected_edit_version:
        raise ValidationError(
            "Someone else changed this template since you opened it. Reload it and make your change again."
        )
    locked.edit_version += 1
    _apply_wording(
        locked, content, terms, new_term=lambda category_id: TemplateTerm(template=locked, category_id=category_id)
    )
    locked.full_clean()
    locked.save()
    audit_record(actor=actor, action="agreement_template.edit", obj=locked)
    return locked


@transaction.atomic
def agreement_send(*, actor: User, agreement: Agreement) -> Agreement:
    """Put a draft out for signing: its exact text is fixed by hash, and earlier versions step aside."""
    from confidentiality.notify import about, notify, resolve

    if not access.can_draft_agreement(actor, agreement.engagement):
        raise PermissionDenied("Only the administrator or a coach on this engagement sends its agreement.")
    locked = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("engagement__organisation")
        .get(pk=agreement.pk)
    )
    if locked.state != Agreement.State.DRAFT:
        raise ValidationError("This version was already sent.")
    unready = agreement_unready(locked)
    if unready:
        raise ValidationError(unready)
    stepping_aside = Agreement.objects.filter(
        engagement=locked.engagement, state__in=[Agreement.State.SIGNED, Agreement.State.OUT_FOR_SIGNATURE]
    )
    for earlier in stepping_aside.values_list("pk", flat=True):
        resolve(about("agreement.sign", earlier))  # nobody signs a version that stepped aside
    stepping_aside.update(state=Agreement.State.SUPERSEDED)
    locked.text_hash = agreement_text(locked).sha256
    locked.state = Agreement.State.OUT_FOR_SIGNATURE
    locked.sent_at = timezone.now()
    locked.save(update_fields=["text_hash", "state", "sent_at"])
    audit_engagement_event(actor, "agreement.send", locked.engagement, locked, version=locked.version)
    parties = required_parties(locked)
    notify(
        users=parties["client"] + parties["sponsor"],
        text="A confidentiality agreement is waiting for your signature.",
        link=f"/agreements/{locked.pk}/",
        about=about("agreement.sign", locked),
    )
    return locked


@transaction.atomic
def agreement_sign(
    *, actor: User, agreement: Agreement, shown_hash: str, ip_address: str | None = None, user_agent: str = ""
) -> Signature:
    """Sign the exact text the person was shown. The coach countersigns after client and sponsor."""
    from confidentiality.notify import about, notify, resolve

    locked = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("engagement__organisation")
        .get(pk=agreement.pk)
    )
    party = access.agreement_party(actor, locked.engagement)
    if party is None:
        raise PermissionDenied("You are not a party to this agreement.")
    if locked.state != Agreement.State.OUT_FOR_SIGNATURE:
        raise ValidationError("This version is not waiting for signatures.")
    current_hash = agreement_text(locked).sha256
    if shown_hash != locked.text_hash or current_hash != locked.text_hash:
        raise ValidationError("The agreement's text changed since it was shown to you. Read it again before signing.")
    if locked.signatures.filter(user=actor).exists():
        raise ValidationError("You have already signed this version.")
    signed = set(locked.signatures.values_list("party", flat=True))
    needed = signing_parties(locked.engagement)
    first = needed - {"coach"}  # who signs before the coach countersigns
    if party == "sponsor" and "sponsor" not in needed:
        raise PermissionDenied("You are not a party to this agreement.")
    if party == "coach" and not first <= signed:
        raise ValidationError(
            "The coach countersigns after the client and the sponsor have signed."
            if "sponsor" in first
            else "The coach countersigns after the client has signed."
        )
    signature = Signature(
        agreement=locked,
        party=party,
        user=actor,
        ip_address=ip_address,
        user_agent=user_agent[:300],
        text_hash=current_hash,
    )
    signature.full_clean()
    signature.save()
    audit_engagement_event(actor, "agreement.sign", locked.engagement, locked, party=party, version=locked.version)
    waiting = about("agreement.sign", locked)
    resolve(waiting, users=[actor])
    if not first <= signed and first <= signed | {party}:
        notify(
            users=required_parties(locked)["coach"],
            text=f"{'The client and the sponsor have' if 'sponsor' in first else 'The client has'} signed the "
            f"agreement for {locked.engagement.reference}: it is waiting for your countersignature.",
            link=f"/agreements/{locked.pk}/",
            about=waiting,
        )
    if needed <= signed | {party}:
        locked.state = Agreement.State.SIGNED
        locked.signed_at = timezone.now()
        locked.save(update_fields=["state", "signed_at"])
        audit_engagement_event(actor, "agreement.complete", locked.engagement, locked, version=locked.version)
        resolve(waiting)
        _start_when_agreed(actor, locked.engagement)
    return signature


@transaction.atomic
def agreement_template_create(*, actor: User, name: str, source: AgreementTemplate) -> AgreementTemplate:
    """A practice's own template, copied from an existing one and then adapted."""
    from confidentiality.roles import Role

    if access.role_of(actor) not in (Role.ADMIN, Role.COACH):
        raise PermissionDenied("Only the administrator and coaches keep agreement templates.")
    if not name.strip():
        raise ValidationError({"name": "Give the template a name."})
    if AgreementTemplate.objects.filter(name=name.strip()).exists():
        raise ValidationError({"name": "A template with this name already exists."})
    template = AgreementTemplate(name=name.strip())
    _copy_content(source, template)
    template.full_clean()
    template.save()
    for term in source.terms.all():
        template.terms.create(category_id=term.category_id, **{f: getattr(term, f) for f in TERM_FIELDS})
    audit_record(actor=actor, action="agreement_template.create", obj=template)
    return template


@transaction.atomic
def information_category_create(*, actor: User, name: str, description: str = "") -> InformationCategory:
    """The practice's own kind of information, beside the nine of policy 003."""
    from django.utils.text import slugify

    if actor is not None and not access.can(actor, access.Capability.MANAGE_PRACTICE):
        raise PermissionDenied("Only the practice administrator adds information categories.")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the kind of information."})
    key = slugify(name)[:60]
    if not key:
        raise ValidationError({"name": "Use at least one letter or digit in the name."})
    if (
        InformationCategory.objects.filter(key=key).exists()
        or InformationCategory.objects.filter(name__iexact=name).exists()
    ):
        raise ValidationError({"name": "This category already exists."})
    category = InformationCategory(key=key, name=name, description=description.strip(), builtin=False, position=200)
    category.full_clean()
    category.save()
    audit_record(actor=actor, action="information_category.create", obj=category)
    return category


# --- the practice's list of professional codes --------------------------------------------------


@transaction.atomic
def professional_code_create(
    *, actor: User | None, name: str, body: str, link: str = "", text: str = ""
) -> ProfessionalCode:
    """A code of ethics the practice's coaches may work under, with its text or a link to it.
    ``actor`` None: the system (a management command setting up a practice)."""
    if actor is not None and not access.can(actor, access.Capability.MANAGE_PRACTICE):
        raise PermissionDenied("Only the practice administrator keeps the list of professional codes.")
    name, body, link, text = name.strip(), body.strip(), link.strip(), text.strip()
    if not name:
        raise ValidationError({"name": "Name the code."})
    if not body:
        raise ValidationError({"body": "Name the professional body that keeps it."})
    if not (link or text):
        raise ValidationError({"link": "Give the code's text or a link to it."})
    if ProfessionalCode.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": "The practice already keeps a code of this name."})
    code = ProfessionalCode(name=name, body=body, link=link, text=text)
    code.full_clean()
    code.save()
    audit_record(actor=actor, action="professional_code.create", obj=code)
    return code


@transaction.atomic
def professional_code_set_active(*, actor: User, code: ProfessionalCode, active: bool) -> ProfessionalCode:
    """Retire a code (new drafts cannot name it; agreements that do keep it) or bring it back."""
    if not access.can(actor, access.Capability.MANAGE_PRACTICE):
        raise PermissionDenied("Only the practice administrator keeps the list of professional codes.")
    locked = ProfessionalCode.objects.select_for_update().get(pk=code.pk)
    if locked.active != active:
        locked.active = active
        locked.save(update_fields=["active"])
        audit_record(
            actor=actor, action="professional_code.retire" if not active else "professional_code.restore", obj=locked
        )
    return locked
