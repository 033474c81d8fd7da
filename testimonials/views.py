"""Pages of the testimonials register: thin; the access policy and testimonials.services decide."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

import access
from confidentiality.crypto import load_data_keys
from confidentiality.forms import act_on
from testimonials import services
from testimonials.forms import PublishableForm, TestimonialForm

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest
    from confidentiality.models import User


@login_required
def testimonial_list(request: SignedInRequest) -> HttpResponse:
    """The administrator's register (no text: listing reads nothing), or a client's own items."""
    user: User = request.user
    if access.can_manage_testimonials(user):
        state = request.GET.get("state", "all")
        if state not in services.REGISTER_FILTERS:
            state = "all"
        page = Paginator(services.testimonials_for(user=user, state=state), 50).get_page(request.GET.get("page"))
        # The clients' names are under each client's key: unwrapped in one query, not one per row.
        load_data_keys({item.client.data_key_id for item in page.object_list})
        return render(
            request,
            "testimonials/register.html",
            {"page": page, "state": state, "states": services.REGISTER_FILTERS},
        )
    if access.client_record_of(user) is None:
        raise Http404
    items = services.testimonials_read(user=user, items=list(services.testimonials_for(user=user)[:200]))
    return render(request, "testimonials/client_list.html", {"items": items})


@login_required
@require_http_methods(["GET", "POST"])
def testimonial_new(request: SignedInRequest) -> HttpResponse:
    user: User = request.user
    if not access.can_manage_testimonials(user):
        raise Http404
    form = TestimonialForm(
        request.POST or None,
        clients=access.clients_visible_to(user).select_related("data_key"),
        consents=services.consents_for(),
    )
    item = act_on(
        form,
        lambda data: services.testimonial_create(
            actor=user,
            client=data["client"],
            kind=data["kind"],
            text=data["text"],
            used_in=data["used_in"],
            consent=data["consent"],
        ),
    )
    if item is not None:
        messages.success(request, f"{item.reference} is in the register as a draft.")
        return redirect("testimonials:detail", pk=item.pk)
    return render(request, "testimonials/form.html", {"form": form}, status=400 if form.is_bound else 200)


def _item_page(request: SignedInRequest, item: Any, *, publishable_form: Any = None, status: int = 200) -> HttpResponse:
    user: User = request.user
    manages = access.can_manage_testimonials(user)
    context = {
        "item": services.testimonial_read(user=user, item=item),
        "manages": manages,
        "publishable_form": publishable_form
        or (PublishableForm(consents=services.consents_for(item.client)) if manages else None),
        "problem": services.consent_problem(kind=item.kind, client=item.client, consent=item.consent),
    }
    return render(request, "testimonials/detail.html", context, status=status)


@login_required
def testimonial_detail(request: SignedInRequest, pk: str) -> HttpResponse:
    return _item_page(request, access.testimonial_get_for(request.user, pk))


@login_required
@require_POST
def testimonial_publishable(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    item = access.testimonial_get_for(user, pk)
    if not access.can_manage_testimonials(user):
        raise Http404
    form = PublishableForm(request.POST, consents=services.consents_for())
    if act_on(
        form,
        lambda data: services.testimonial_mark_publishable(actor=user, item=item, consent=data["consent"]),
    ):
        messages.success(request, f"{item.reference} is publishable on the client's consent.")
        return redirect("testimonials:detail", pk=item.pk)
    return _item_page(request, item, publishable_form=form, status=400)


@login_required
@require_POST
def testimonial_removed(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    item = access.testimonial_get_for(user, pk)
    if not access.can_manage_testimonials(user):
        raise Http404
    try:
        services.testimonial_mark_removed(actor=user, item=item)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _item_page(request, item, status=400)
    messages.success(request, f"{item.reference} is marked removed.")
    return redirect("testimonials:detail", pk=item.pk)
