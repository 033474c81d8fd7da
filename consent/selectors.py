from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

import access
from confidentiality.roles import Role
from consent.models import Agreement, AgreementTemplate, ConsentRecord

if TYPE_CHECKING:
    from confidentiality.models import User


def agreements_for(*, user: User, engagement: Any) -> QuerySet[Agreement]:
    """Every version the person may read: drafts only for those who draft."""
    if not access.can_read_agreements(user, engagement):
        return Agreement.objects.none()
    versions = Agreement.objects.filter(engagement=engagement).order_by("-version")
    if not access.can_draft_agreement(user, engagement):
        versions = versions.exclude(state=Agreement.State.DRAFT)
    return versions


def agreement_get_for(*, user: User, pk: Any) -> Agreement:
    try:
        agreement = Agreement.objects.get(pk=pk)
    except (Agreement.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    # 404 outside need-to-know. The engagement read here (its client and their data key with it)
    # stands in for the agreement's own: the pages that show the client's name read nothing more.
    agreement.engagement = engagement = access.engagement_get_for(user, agreement.engagement_id)
    # What agreements_for says of this one version, asked of the row already read (no query).
    if not access.can_read_agreements(user, engagement):
        raise Http404
    if agreement.state == Agreement.State.DRAFT and not access.can_draft_agreement(user, engagement):
        raise Http404
    return agreement


def templates_for(*, user: User) -> QuerySet[AgreementTemplate]:
    from confidentiality.roles import Role

    if access.role_of(user) not in (Role.ADMIN, Role.COACH):
        return AgreementTemplate.objects.none()
    return AgreementTemplate.objects.prefetch_related("terms__category").order_by("name")


def consents_for(*, user: User) -> QuerySet[ConsentRecord]:
    return access.consents_visible_to(user).select_related("client", "engagement").order_by("-given_at")


def consent_get_for(*, user: User, pk: Any) -> ConsentRecord:
    try:
        return consents_for(user=user).get(pk=pk)
    except (ConsentRecord.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def signatures_named(*, user: User, agreement: Agreement) -> list[Any]:
    """The agreement's signatures, each with ``signer_name``: the client by the name in their
    (encrypted) record, where it alone is kept, everyone else by their name, never an address
    standing in for one; a sponsor sees "The client", as on the engagement's page. Someone other
    than the client reading that name is a read of the client's file, and audited as one."""
    from confidentiality.audit import audit_record_many
    from confidentiality.crypto import load_data_keys, remember_data_keys

    signatures = list(agreement.signatures.select_related("user"))
    client = agreement.engagement.client
    for signature in signatures:
        signature.signer_name = signature.user.display_name or signature.user.email  # type: ignore[attr-defined]
        if signature.party == "client" and access.role_of(user) == Role.SPONSOR:
            # As on the engagement's page, the sponsor is not shown who the client is: no name, no address.
            signature.signer_name = "The client"  # type: ignore[attr-defined]
        elif signature.party == "client" and signature.user_id == client.user_id:
            if type(client).data_key.is_cached(client):  # read with the engagement (agreement_get_for)
                remember_data_keys([client.data_key])
            else:
                load_data_keys([client.data_key_id])
            signature.signer_name = client.full_name  # type: ignore[attr-defined]
            if user.pk != client.user_id:
                audit_record_many(
                    actor=user,
                    action="client.read",
                    object_type="engagements.client",
                    items=[{"object_id": client.pk, "client_id": client.pk}],
                )
    return signatures
