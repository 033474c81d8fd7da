"""Pages of breach letters (UK GDPR art. 34): thin; the access policy and complaints.letters decide.

The administrator works on the breach's page (names the people affected, records the decision,
writes the letter, produces and posts the letters); a client reads their own letter, and a sponsor
contact their organisation's, on a page of their portal and as a PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

import access
from complaints import letters
from complaints.forms import BreachAffectedForm, BreachCommunicationForm, BreachLetterForm
from complaints.models import Breach
from complaints.views import _breach_page
from confidentiality.forms import errors_to_form
from engagements.services import ConflictError

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest
    from confidentiality.models import User


def _handled_breach(request: SignedInRequest, pk: str) -> Breach:
    user: User = request.user
    breach: Breach = access.breach_get_for(user, pk)
    if not access.can_handle_breach(user, breach):
        raise Http404
    return breach


def _back(breach: Breach) -> HttpResponse:
    return redirect(reverse("complaints:breach_detail", args=[breach.pk]) + "#letters")


def _on_form(
    request: SignedInRequest,
    breach: Breach,
    form: Any,
    form_name: str,
    action: Callable[[dict[str, Any]], str],
) -> HttpResponse:
    """Run the service on a valid form; a refusal shows the page again with what was typed."""
    if form.is_valid():
        try:
            done = action(form.cleaned_data)
        except ConflictError as exc:
            messages.error(request, " ".join(exc.messages))
            return _back(breach)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, done)
            return _back(breach)
    return _breach_page(request, breach, status=400, **{form_name: form})


@login_required
@require_POST
def breach_affected_add(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    breach = _handled_breach(request, pk)
    form = BreachAffectedForm(
        request.POST,
        clients=letters.client_choices_for(user=user),
        organisations=access.organisations_visible_to(user),
    )

    def add(data: dict[str, Any]) -> str:
        if data["kind"] == "client":
            client = letters.affected_client_from(
                user=user, client=data.get("client"), engagement=data.get("engagement")
            )
            letters.breach_affected_add(actor=user, breach=breach, client=client)
        else:
            letters.breach_affected_add(actor=user, breach=breach, organisation=data["organisation"])
        return "Named as affected by the breach."

    return _on_form(request, breach, form, "affected_form", add)


@login_required
@require_POST
def breach_affected_remove(request: SignedInRequest, pk: str) -> HttpResponse:
    affected = access.breach_affected_get_for(request.user, pk)
    try:
        letters.breach_affected_remove(actor=request.user, affected=affected)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "No longer named as affected.")
    return _back(affected.breach)


@login_required
@require_POST
def breach_communication(request: SignedInRequest, pk: str) -> HttpResponse:
    breach = _handled_breach(request, pk)
    form = BreachCommunicationForm(request.POST)

    def decide(data: dict[str, Any]) -> str:
        letters.breach_communication_decide(
            actor=request.user,
            breach=breach,
            expected_version=data["version"],
            decision=data["decision"],
            reason=data["reason"],
            public_communication=data["public_communication"],
        )
        return "The decision is recorded."

    return _on_form(request, breach, form, "communication_form", decide)


@login_required
@require_POST
def breach_letter_text(request: SignedInRequest, pk: str) -> HttpResponse:
    breach = _handled_breach(request, pk)
    form = BreachLetterForm(request.POST)

    def write(data: dict[str, Any]) -> str:
        texts = {name: data[name] for name in letters.LETTER_FIELDS}
        letters.breach_letter_write(actor=request.user, breach=breach, expected_version=data["version"], **texts)
        return "The letter is saved."

    return _on_form(request, breach, form, "letter_form", write)


@login_required
@require_POST
def breach_letters_produce(request: SignedInRequest, pk: str) -> HttpResponse:
    breach = _handled_breach(request, pk)
    try:
        produced = letters.breach_letters_produce(actor=request.user, breach=breach)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Letters produced: {produced.sent} sent to portal logins (a notice and an e-mail pointing to the "
            f"letter), {produced.to_post} to print and post.",
        )
    return _back(breach)


@login_required
@require_POST
def breach_letter_posted(request: SignedInRequest, pk: str) -> HttpResponse:
    affected = access.breach_affected_get_for(request.user, pk)
    try:
        letters.breach_letter_mark_posted(actor=request.user, affected=affected)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The letter is marked as posted.")
    return _back(affected.breach)


# --- the person's own letter ------------------------------------------------------------------


@login_required
def breach_letter(request: SignedInRequest, pk: str) -> HttpResponse:
    """The letter, read in the portal by the person it is addressed to (and the administrator)."""
    affected = access.breach_letter_get_for(request.user, pk)
    context = letters.breach_letter_read(user=request.user, affected=affected)
    context["handling"] = access.can_handle_breach(request.user, affected.breach)
    return render(request, "complaints/breach_letter.html", context)


@login_required
def breach_letter_pdf(request: SignedInRequest, pk: str) -> HttpResponse:
    """The letter as a PDF, on the practice's letterhead, watermarked with the reader and the time."""
    from confidentiality.downloads import attachment_response
    from confidentiality.pdf import render_pdf

    affected = access.breach_letter_get_for(request.user, pk)
    context = letters.breach_letter_read(user=request.user, affected=affected, download=True)
    pdf = render_pdf("complaints/breach_letter_pdf.html", context, reader=request.user)
    return attachment_response(pdf, content_type="application/pdf", name=f"letter-{affected.breach.reference}.pdf")
