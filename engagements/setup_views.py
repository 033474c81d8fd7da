"""The administrator sets up organisations, contacts, clients and engagements."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

import access
from confidentiality.crypto import load_data_keys
from confidentiality.forms import act_on, errors_to_form
from confidentiality.invitations import invitation_send, with_waiting_invitations
from confidentiality.roles import Role
from confidentiality.services import user_create
from engagements import forms, selectors, services
from engagements.models import Organisation
from engagements.views import submit_on_page

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest
    from confidentiality.models import User


def _admin(request: SignedInRequest) -> User:
    access.require(request.user, access.Capability.MANAGE_PRACTICE)
    return request.user


@login_required
def organisation_list(request: SignedInRequest) -> HttpResponse:
    _admin(request)
    organisations = access.organisations_visible_to(request.user).prefetch_related("contacts__user").order_by("name")
    return render(request, "engagements/organisation_list.html", {"organisations": organisations})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: SignedInRequest) -> HttpResponse:
    actor = _admin(request)
    form = forms.OrganisationForm(request.POST or None)
    organisation = act_on(form, lambda data: services.organisation_create(actor=actor, **data))
    if organisation is not None:
        messages.success(request, f"{organisation.name} added. Now add its sponsor contact.")
        return redirect("engagements:organisation_detail", pk=organisation.pk)
    return render(request, "engagements/form_page.html", {"form": form, "title": "Add an organisation"})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_detail(request: SignedInRequest, pk: str) -> HttpResponse:
    actor = _admin(request)
    try:
        organisation = Organisation.objects.get(pk=pk)
    except (Organisation.DoesNotExist, ValidationError, ValueError):
        from django.http import Http404

        raise Http404 from None
    second_factor = forms.OrganisationSecondFactorForm(
        request.POST if request.POST.get("form") == "second_factor" else None,
        initial={"sponsors_need_second_factor": organisation.sponsors_need_second_factor},
    )
    if second_factor.is_bound:
        if second_factor.is_valid():
            required = second_factor.cleaned_data["sponsors_need_second_factor"]
            services.organisation_require_second_factor(actor=actor, organisation=organisation, required=required)
            messages.success(
                request,
                "Its sponsor contacts now sign in with a second factor."
                if required
                else "Its sponsor contacts are no longer asked for a second factor.",
            )
        return redirect("engagements:organisation_detail", pk=organisation.pk)
    form = forms.SponsorContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = user_create(
                    actor=actor,
                    email=form.cleaned_data["email"],
                    role=Role.SPONSOR,
                    display_name=form.cleaned_data["display_name"],
                )
                services.sponsor_contact_add(
                    actor=actor, organisation=organisation, user=user, job_title=form.cleaned_data["job_title"]
                )
                invitation_send(actor=actor, user=user)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request, f"Contact added. An invitation to choose a password has been sent to {user.email}."
            )
            return redirect("engagements:organisation_detail", pk=organisation.pk)
    return render(
        request,
        "engagements/organisation_detail.html",
        {
            "organisation": organisation,
            "contacts": with_waiting_invitations(
                list(organisation.contacts.select_related("user")), lambda contact: contact.user_id
            ),
            "form": form,
            "second_factor": second_factor,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def client_create(request: SignedInRequest) -> HttpResponse:
    actor = _admin(request)
    form = forms.ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                user = None
                if data["portal_login"]:
                    if not data["contact_email"]:
                        raise ValidationError({"contact_email": "A portal login needs the client's e-mail."})
                    # No display name: the client's name lives only in their encrypted record, so
                    # destroying their key shreds it everywhere.
                    user = user_create(actor=actor, email=data["contact_email"], role=Role.CLIENT)
                    invitation_send(actor=actor, user=user)
                client = services.client_create(
                    actor=actor,
                    full_name=data["full_name"],
                    contact_email=data["contact_email"],
                    phone=data["phone"],
                    postal_address=data["postal_address"],
                    user=user,
                )
                if data["basic_consent"]:
                    from consent.defaults import BASIC_INFORMATION_WORDING
                    from consent.models import ConsentRecord
                    from consent.services import consent_record

                    consent_record(
                        actor=actor,
                        client=client,
                        kind=ConsentRecord.Kind.BASIC_INFORMATION,
                        wording=BASIC_INFORMATION_WORDING,
                        method=ConsentRecord.Method.RECORDED_BY_COACH,
                    )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            invited = " An invitation to choose a password has been sent to them." if data["portal_login"] else ""
            messages.success(
                request,
                ("Client added." + invited + " Next: create the engagement.")
                if data["basic_consent"]
                else ("Client added." + invited + " Next: record their consent, then create the engagement."),
            )
            return redirect("engagements:engagement_create")
    return render(request, "engagements/form_page.html", {"form": form, "title": "Add a client"})


def _client_choices(user: User) -> list[tuple[str, str]]:
    clients = list(selectors.client_list_for(user=user))
    load_data_keys(c.data_key_id for c in clients)
    return [("", "Choose a client")] + [(str(c.pk), c.full_name) for c in clients]


@login_required
@require_http_methods(["GET", "POST"])
def engagement_create(request: SignedInRequest) -> HttpResponse:
    actor = _admin(request)
    form = forms.EngagementForm(request.POST or None, clients=_client_choices(actor))
    engagement = act_on(
        form,
        lambda data: services.engagement_create(
            actor=actor,
            reference=data["reference"],
            title=data["title"],
            organisation=data["organisation"],
            client=selectors.client_list_for(user=actor).get(pk=data["client"]),
            coaches=list(data["coaches"]),
            sponsors=list(data["sponsors"]),
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        ),
    )
    if engagement is not None:
        messages.success(
            request,
            "Engagement created. Its people can now see it. It starts when everyone has signed its agreement: "
            "open the agreement to put one out for signing.",
        )
        return redirect("engagements:detail", pk=engagement.pk)
    return render(request, "engagements/form_page.html", {"form": form, "title": "Create an engagement"})


@login_required
@require_http_methods(["GET", "POST"])
def engagement_edit(request: SignedInRequest, pk: str) -> HttpResponse:
    actor = _admin(request)
    engagement = selectors.engagement_get_for(user=actor, pk=pk)
    initial = {
        "title": engagement.title,
        "status": engagement.status,
        "starts_on": engagement.starts_on,
        "ends_on": engagement.ends_on,
        "version": engagement.version,
    }
    form = forms.EngagementEditForm(request.POST or None, initial=initial)
    if act_on(
        form,
        lambda data: services.engagement_update(
            actor=actor,
            engagement=engagement,
            expected_version=data["version"],
            **{name: value for name, value in data.items() if name != "version"},
        ),
    ):
        messages.success(request, "Engagement updated.")
        return redirect("engagements:detail", pk=engagement.pk)
    return render(request, "engagements/form_page.html", {"form": form, "title": f"Change {engagement.reference}"})


@login_required
@require_POST
def engagement_close(request: SignedInRequest, pk: str) -> HttpResponse:
    actor = _admin(request)
    engagement = selectors.engagement_get_for(user=actor, pk=pk)
    try:
        services.engagement_close(actor=actor, engagement=engagement)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(
            request, "Engagement closed. Hard copies are due for return and the retention clock has started."
        )
    return redirect("engagements:detail", pk=engagement.pk)


@login_required
@require_POST
def member_add(request: SignedInRequest, pk: str) -> HttpResponse:
    actor = _admin(request)
    engagement = selectors.engagement_get_for(user=actor, pk=pk)
    return submit_on_page(
        request,
        engagement,
        name="member_form",
        form=forms.MemberAddForm(request.POST, organisation=engagement.organisation),
        action=lambda data: services.engagement_member_add(
            actor=actor, engagement=engagement, user=data["user"], kind=data["kind"]
        ),
        refused="Nobody was added. The reason is beside the form below.",
        done="Added. Their access starts now.",
        anchor="people",
    )


@login_required
@require_POST
def member_remove(request: SignedInRequest, pk: str, user_id: int) -> HttpResponse:
    from confidentiality.models import User

    actor = _admin(request)
    engagement = selectors.engagement_get_for(user=actor, pk=pk)
    person = User.objects.filter(pk=user_id).first()
    try:
        if person is None:
            raise ValidationError("This person is not on the engagement.")
        services.engagement_member_remove(actor=actor, engagement=engagement, user=person)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, "Removed. Their access ended now; nothing they wrote was lost.")
    return redirect("engagements:detail", pk=engagement.pk)


@login_required
@require_POST
def client_login_give(request: SignedInRequest, pk: str) -> HttpResponse:
    """Give an existing client a portal login; they are sent an invitation to choose a password."""
    from engagements.models import Client

    actor = _admin(request)
    client = Client.objects.filter(pk=pk).first()
    if client is None:
        from django.http import Http404

        raise Http404
    try:
        services.client_login_give(actor=actor, client=client)
    except ValidationError as exc:
        messages.error(request, "No login was given: " + " ".join(exc.messages))
    else:
        messages.success(request, "Login given. An invitation to choose a password has been sent to the client.")
    return redirect("engagements:clients")
