"""factory_boy factories. Each builds its object through the services, as users do."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.utils import timezone

from confidentiality.models import User
from confidentiality.roles import STAFF_ROLES, Role
from confidentiality.services import user_create
from engagements.models import Client, Engagement, Organisation
from engagements.services import client_create, engagement_create, organisation_create, sponsor_contact_add
from people.policies import ask_newcomer

PASSWORD = "a long test password 2026"


class UserFactory(factory.Factory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name")
    role = Role.COACH
    organisation: Any = None

    @classmethod
    def _create(cls, model_class: Any, *args: Any, role: Role, organisation: Any = None, **kwargs: Any) -> User:
        user = user_create(actor=None, role=role, password=PASSWORD, **kwargs)
        if role in STAFF_ROLES:
            ask_newcomer(user)  # as people.services.staff_add does
        if role == Role.SPONSOR:
            sponsor_contact_add(actor=None, organisation=organisation or OrganisationFactory(), user=user)
        return user


class OrganisationFactory(factory.Factory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Organisation:
        return organisation_create(actor=None, **kwargs)


class ClientFactory(factory.Factory):
    """A client who consented to the practice holding their basic information (policy 002)."""

    class Meta:
        model = Client

    full_name = factory.Faker("name")
    contact_email = factory.Sequence(lambda n: f"client{n}@example.org")
    user: Any = None
    consented = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, consented: bool = True, **kwargs: Any) -> Client:
        from consent.models import ConsentRecord
        from consent.services import consent_record

        client = client_create(actor=None, **kwargs)
        if consented:
            consent_record(
                actor=None,
                client=client,
                kind=ConsentRecord.Kind.BASIC_INFORMATION,
                wording="I agree that the practice holds my basic contact information to provide coaching.",
                method=ConsentRecord.Method.PORTAL,
            )
        return client


def agree(engagement: Engagement) -> Any:
    """Contract the engagement as users do: draft from the standard template, send, and sign by
    the client, every sponsor contact on it, then the coach."""
    from consent.defaults import install_current
    from consent.services import agreement_send, agreement_sign, agreement_start

    parties = required_parties_of(engagement)
    coach = parties["coach"][0]
    draft = agreement_start(actor=coach, engagement=engagement, template=install_current())
    sent = agreement_send(actor=coach, agreement=draft)
    for user in parties["client"] + parties["sponsor"][:1] + [coach]:
        agreement_sign(actor=user, agreement=sent, shown_hash=sent.text_hash)
    sent.refresh_from_db()
    return sent


def required_parties_of(engagement: Engagement) -> dict[str, list[Any]]:
    from engagements.models import EngagementMember

    parties: dict[str, list[Any]] = {"client": [], "sponsor": [], "coach": []}
    for member in EngagementMember.objects.filter(engagement=engagement).select_related("user"):
        parties[member.kind].append(member.user)
    return parties


class EngagementFactory(factory.Factory):
    class Meta:
        model = Engagement

    reference = factory.Sequence(lambda n: f"ENG-T-{n:05d}")
    title = "Leadership coaching"
    organisation = factory.SubFactory(OrganisationFactory)
    client = factory.SubFactory(ClientFactory)
    coaches: Any = factory.LazyFunction(list)
    sponsors: Any = factory.LazyFunction(list)
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    status = Engagement.Status.ACTIVE
    agreed = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, agreed: bool = True, **kwargs: Any) -> Engagement:
        """An engagement whose agreement everyone signed (which makes it active), unless
        ``agreed=False`` or a party is missing: then it stays proposed, as it would. Another
        ``status`` asked for (paused, closed, proposed) is set afterwards."""
        status = kwargs.pop("status")
        if not kwargs["coaches"]:
            kwargs["coaches"] = [UserFactory(role=Role.COACH)]
        engagement = engagement_create(actor=None, **kwargs)
        parties = required_parties_of(engagement)
        if agreed and parties["client"] and (parties["sponsor"] or engagement.is_private):
            agree(engagement)
        engagement.refresh_from_db()
        if status != Engagement.Status.ACTIVE and engagement.status != status:
            Engagement.objects.filter(pk=engagement.pk).update(status=status)
            engagement.refresh_from_db()
        return engagement


def disclosure_without_consent(
    coach: Any,
    engagement: Engagement,
    *,
    basis: str = "serious_danger",
    what: str = "What was said on 3 March about the threats.",
    recipient_kind: str = "government_body",
    recipient: str = "The police",
    reason: str = "Compelling evidence that someone is at risk.",
    supervisor: Any = None,
    document: Any = None,
) -> Any:
    """A disclosure without the client's consent, made as policy 004 has it: a concern of serious
    danger raised by ``coach``: the decision and the minimum taken, then the disclosure step (waiting
    for its second approval); the steps serious danger puts after the disclosure are left to come."""
    from disclosures import concerns

    concern = concerns.concern_start(
        actor=coach,
        engagement=engagement,
        kind="breaking_confidentiality",
        text="What was heard, and why it concerns me.",
        serious_danger=True,
        supervisor=supervisor,
    )

    # In serious danger the decision and the minimum come first; the rest is recorded afterwards.
    concerns.concern_record_step(
        actor=coach,
        concern=concern,
        step="decision",
        text=reason,
        outcome="disclose",
        recipient_kind=recipient_kind,
        detail=recipient,
        basis=basis,
    )
    concerns.concern_record_step(actor=coach, concern=concern, step="minimum", text=what)
    return concerns.concern_record_step(actor=coach, concern=concern, step="disclosure", document=document)


def vat_registered(vat_number: str = "GB123456789") -> None:
    """The practice records its VAT number, as one must before an invoice may charge VAT."""
    from confidentiality.practice import current_practice, practice_update

    if not current_practice().vat_number:
        practice_update(actor=None, vat_number=vat_number)


def processor(**fields: Any) -> Any:
    """A processor recorded by the system, as the administrator would record it."""
    from processing.services import processor_create

    defaults = {"name": "Northern Hosting Ltd", "service": "Hosts the portal.", "location": "United Kingdom"}
    return processor_create(actor=None, **{**defaults, **fields})


def processing_activity(**fields: Any) -> Any:
    """A processing activity recorded by the system, as the administrator would record it."""
    from processing.services import activity_create

    defaults = {
        "purpose": "Providing coaching",
        "lawful_basis": "contract",
        "data_subjects": "Clients",
        "data_categories": "Names; session notes",
        "retention_rule": "engagement_files",
    }
    return activity_create(actor=None, **{**defaults, **fields})
