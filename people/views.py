"""The administrator's pages for people who join and leave: staff, associates, offboarding and
the handover of a leaver's engagements."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import cached_property
from django.views.decorators.http import require_http_methods, require_POST

import access
from confidentiality.forms import ContractForm, OffboardForm, ReactivateForm, ReassignForm, StaffAddForm, act_on
from confidentiality.invitations import with_waiting_invitations
from confidentiality.models import User
from confidentiality.roles import Role
from people import policies
from people import services as people_services
from people.models import OffboardingEngagement

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest


def _manager(request: SignedInRequest) -> User:
    access.require(request.user, access.Capability.MANAGE_PEOPLE)
    return request.user


PEOPLE_PER_PAGE = 50


class _StaffPaginator(Paginator):  # type: ignore[type-arg]  # generic only in django-stubs, not at runtime
    """Pages of a list whose length is counted by a cheaper query than the list's own."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


@login_required
@require_http_methods(["GET", "POST"])
def people_list(request: SignedInRequest) -> HttpResponse:
    actor = _manager(request)
    form = StaffAddForm(request.POST or None)
    person = act_on(
        form,
        lambda data: people_services.staff_add(
            actor=actor,
            email=data["email"],
            role=Role.COACH if data["kind"] == "associate" else Role(data["kind"]),
            display_name=data["display_name"],
            is_associate=data["kind"] == "associate",
            contract_ends_on=data["contract_ends_on"],
        ),
    )
    if person is not None:
        messages.success(
            request,
            f"{person.display_name or person.email} added and invited by e-mail: they choose a password through "
            "the invitation, then set up their second factor, then accept the practice's policies.",
        )
        return redirect("people:person", pk=person.pk)
    current = policies.current_required()
    # Fifty a page: the page costs the same whatever the size of the practice.
    page = _StaffPaginator(
        people_services.people_for(user=actor), PEOPLE_PER_PAGE, count=people_services.staff_count_for(user=actor)
    ).get_page(request.GET.get("page"))
    staff = people_services.with_roles(page.object_list)
    with_waiting_invitations(staff, lambda person: person.pk)
    return render(
        request,
        "people/people_list.html",
        {
            "staff": staff,
            "page": page,
            "accepted_all": policies.accepted_every_current(current, users=[person.pk for person in staff]),
            "policies_recorded": bool(current),
            "handovers": list(people_services.open_handovers_for(user=actor)),
            "form": form,
        },
    )


@login_required
def person_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    actor = _manager(request)
    person = people_services.person_get_for(user=actor, pk=pk)
    return _person_page(request, actor, person)


def _person_page(
    request: HttpRequest,
    actor: User,
    person: User,
    *,
    contract_form: ContractForm | None = None,
    offboard_form: OffboardForm | None = None,
    reactivate_form: ReactivateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    in_force = access.account_in_force(person)
    memberships = person.engagement_memberships.select_related("engagement").order_by("engagement__reference")
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "in_force": in_force,
            "is_self": person.pk == actor.pk,
            "memberships": memberships,
            "acceptances": policies.acceptances_of(user=person),
            "pending_policies": policies.pending_for(person) if person.is_active else [],
            "offboardings": person.offboardings.all(),
            "contract_form": contract_form
            or ContractForm(initial={"is_associate": person.is_associate, "contract_ends_on": person.contract_ends_on}),
            "offboard_form": offboard_form or OffboardForm(),
            "reactivate_form": reactivate_form or ReactivateForm(),
        },
        status=status,
    )


@login_required
@require_POST
def person_contract(request: SignedInRequest, pk: int) -> HttpResponse:
    actor = _manager(request)
    person = people_services.person_get_for(user=actor, pk=pk)
    form = ContractForm(request.POST)
    saved = act_on(
        form,
        lambda data: people_services.contract_set(
            actor=actor, user=person, is_associate=data["is_associate"], contract_ends_on=data["contract_ends_on"]
        ),
    )
    if saved is not None:
        messages.success(request, "Contract saved.")
        return redirect("people:person", pk=person.pk)
    return _person_page(request, actor, person, contract_form=form, status=400)


@login_required
@require_POST
def person_offboard(request: SignedInRequest, pk: int) -> HttpResponse:
    from people.models import Offboarding

    actor = _manager(request)
    person = people_services.person_get_for(user=actor, pk=pk)
    form = OffboardForm(request.POST)
    offboarding = act_on(
        form, lambda _: people_services.person_offboard(actor=actor, user=person, reason=Offboarding.Reason.DEACTIVATED)
    )
    if offboarding is not None:
        messages.success(
            request,
            f"{person.display_name or person.email} has been offboarded: every session, API token and "
            "permission of theirs has ended.",
        )
        return redirect("people:offboarding", pk=offboarding.pk)
    return _person_page(request, actor, person, offboard_form=form, status=400)


@login_required
@require_POST
def person_reactivate(request: SignedInRequest, pk: int) -> HttpResponse:
    actor = _manager(request)
    person = people_services.person_get_for(user=actor, pk=pk)
    form = ReactivateForm(request.POST)
    if act_on(
        form,
        lambda data: people_services.person_reactivate(
            actor=actor, user=person, contract_ends_on=data["contract_ends_on"]
        ),
    ):
        messages.success(request, "Reactivated. They are on no engagement until you put them on one.")
        return redirect("people:person", pk=person.pk)
    return _person_page(request, actor, person, reactivate_form=form, status=400)


@login_required
def offboarding_detail(request: SignedInRequest, pk: str) -> HttpResponse:
    actor = _manager(request)
    offboarding = people_services.offboarding_get_for(user=actor, pk=pk)
    handovers = []
    for handover in offboarding.engagements.select_related("engagement", "reassigned_to", "settled_by"):
        form = None
        others = 0
        if handover.settled_at is None:
            form = ReassignForm(
                people=people_services.replacements_for(user=actor, handover=handover),
                label=f"Who takes over {handover.engagement.reference}",
                auto_id=f"id_handover{handover.pk}_%s",
            )
            others = handover.engagement.members.filter(kind=handover.kind).count()
        handovers.append((handover, form, others))
    return render(
        request,
        "people/offboarding_detail.html",
        {"offboarding": offboarding, "handovers": handovers},
    )


def _handover(actor: User, pk: int) -> OffboardingEngagement:
    handover = people_services.open_handovers_for(user=actor).filter(pk=pk).first()
    if handover is None:
        raise Http404
    return handover


@login_required
@require_POST
def handover_reassign(request: SignedInRequest, pk: int) -> HttpResponse:
    from people.services import engagement_reassign

    actor = _manager(request)
    handover = _handover(actor, pk)
    form = ReassignForm(request.POST, people=people_services.replacements_for(user=actor, handover=handover))
    if not form.is_valid():
        messages.error(request, "Nobody was put on the engagement: choose who takes it over.")
    else:
        try:
            engagement_reassign(
                actor=actor,
                engagement=handover.engagement,
                from_user=handover.offboarding.user,
                to_user=form.cleaned_data["to_user"],
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(
                request, "Nobody was put on the engagement: " + " ".join(getattr(exc, "messages", [str(exc)]))
            )
        else:
            to_user = form.cleaned_data["to_user"]
            messages.success(
                request,
                f"{handover.engagement.reference} is now {to_user.display_name or to_user.email}'s. "
                "Everything written on it stays with the engagement.",
            )
    return redirect("people:offboarding", pk=handover.offboarding_id)


@login_required
@require_POST
def handover_settle(request: SignedInRequest, pk: int) -> HttpResponse:
    from people.services import handover_settle_without_replacement

    actor = _manager(request)
    handover = _handover(actor, pk)
    try:
        handover_settle_without_replacement(actor=actor, handover=handover)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{handover.engagement.reference} stays with the people still on it.")
    return redirect("people:offboarding", pk=handover.offboarding_id)


@login_required
@require_POST
def sponsor_contact_remove(request: SignedInRequest, pk: int) -> HttpResponse:
    """A sponsor contact left their organisation (from the organisation's page)."""
    from engagements.models import SponsorContact
    from people.services import sponsor_contact_remove as remove

    actor = _manager(request)
    contact = SponsorContact.objects.filter(pk=pk).select_related("user", "organisation").first()
    if contact is None:
        raise Http404
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Nothing changed: confirm that the contact has left the organisation.")
        return redirect("engagements:organisation_detail", pk=contact.organisation_id)
    try:
        offboarding = remove(actor=actor, contact=contact)
    except ValidationError as exc:
        messages.error(request, "Nothing changed: " + " ".join(exc.messages))
        return redirect("engagements:organisation_detail", pk=contact.organisation_id)
    messages.success(
        request,
        f"{contact.user.display_name or contact.user.email} was removed from {contact.organisation.name}: "
        "their sessions, tokens and permissions have ended.",
    )
    return redirect("people:offboarding", pk=offboarding.pk)


@login_required
@require_POST
def person_invite(request: SignedInRequest, pk: int) -> HttpResponse:
    """Send someone's invitation again (a new link): staff, a client with a login, a sponsor contact."""
    from django.utils.http import url_has_allowed_host_and_scheme

    from confidentiality.invitations import invitation_send

    actor = _manager(request)
    person = User.objects.filter(pk=pk).first()
    if person is None:
        raise Http404
    try:
        invitation_send(actor=actor, user=person)
    except ValidationError as exc:
        messages.error(request, "No invitation was sent: " + " ".join(exc.messages))
    else:
        messages.success(request, f"A new invitation was sent to {person.email}. The link in it works once.")
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("people:list")
