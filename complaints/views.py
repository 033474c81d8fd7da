"""Pages of complaints and breaches: thin; the access policy and confidentiality.complaints decide."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

import access
from complaints import services as complaint_services
from complaints.forms import (
    BreachAffectedForm,
    BreachCommunicationForm,
    BreachLetterForm,
    BreachReportForm,
    BreachUpdateForm,
    ComplaintCloseForm,
    ComplaintForm,
    ComplaintOnBehalfForm,
    ComplaintReplyForm,
    ComplaintResponseForm,
    VersionForm,
    breach_initial,
    communication_initial,
)
from complaints.models import Breach
from confidentiality.forms import act_on, errors_to_form
from engagements.services import ConflictError

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest
    from confidentiality.models import User

# --- complaints -----------------------------------------------------------------------------


@login_required
def complaint_list(request: SignedInRequest) -> HttpResponse:
    """A client's own complaints. The administrator works from the register."""
    user: User = request.user
    if access.can_see_register(user):
        return redirect("complaints:register")
    if not access.can_lodge_complaint(user):
        raise Http404
    items = complaint_services.complaints_for(user=user)[:200]
    return render(request, "complaints/complaint_list.html", {"complaints": items})


@login_required
@require_http_methods(["GET", "POST"])
def complaint_lodge(request: SignedInRequest) -> HttpResponse:
    user: User = request.user
    if not access.can_lodge_complaint(user):
        raise Http404
    form = ComplaintForm(request.POST or None, engagements=access.complaint_engagements_for(user))
    complaint = act_on(
        form,
        lambda data: complaint_services.complaint_lodge(
            actor=user, about=data["about"], body=data["body"], engagement=data["engagement"]
        ),
    )
    if complaint is not None:
        messages.success(request, f"Your complaint {complaint.reference} is lodged. The practice will acknowledge it.")
        return redirect("complaints:complaint_detail", pk=complaint.pk)
    return render(request, "complaints/complaint_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def complaint_record(request: SignedInRequest) -> HttpResponse:
    """The administrator records a complaint that arrived by post, telephone, in person or e-mail, on
    the client's behalf; the clients' list links here with the client named (``?client=``)."""
    user: User = request.user
    if not access.can_record_complaint_on_behalf(user):
        raise Http404
    asked = _uuid_or_none(request.POST.get("client") or request.GET.get("client"))
    clients = complaint_services.client_choices_for(user=user, named=asked)
    form = ComplaintOnBehalfForm(request.POST or None, clients=clients, initial={"client": request.GET.get("client")})
    named = access.clients_visible_to(user).filter(pk=_uuid_or_none(form["client"].value())).first()

    def record(data: dict[str, Any]) -> Any:
        client = access.clients_visible_to(user).filter(pk=data["client"]).first()
        if client is None:
            raise ValidationError({"client": "Choose one of the practice's clients."})
        return complaint_services.complaint_record_on_behalf(
            actor=user,
            client=client,
            about=data["about"],
            body=data["body"],
            received_by=data["received_by"],
            evidence=data["evidence"],
            received_on=data["received_on"],
        )

    complaint = act_on(form, record)
    if complaint is not None:
        if complaint_services.has_sign_in(complaint.client):
            told = "the client has been told through their portal"
        else:
            told = "the practice's answers go to them by post"
        messages.success(request, f"Complaint {complaint.reference} recorded on the client's behalf: {told}.")
        return redirect("complaints:complaint_detail", pk=complaint.pk)
    context = {
        "form": form,
        "named": named,
        "named_has_sign_in": named is not None and complaint_services.has_sign_in(named),
    }
    return render(request, "complaints/complaint_record.html", context, status=400 if form.errors else 200)


def _uuid_or_none(value: Any) -> Any:
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _complaint_page(request: SignedInRequest, complaint: Any, **forms: Any) -> HttpResponse:
    user: User = request.user
    can_respond = access.can_respond_to_complaint(user, complaint)
    responses = complaint_services.complaint_read(user=user, complaint=complaint)
    deadline = complaint_services.complaint_next_deadline(complaint)
    context = {
        "complaint": complaint,
        "responses": responses,
        "can_respond": can_respond and complaint.is_open,
        "deadline": deadline[0] if deadline else None,
        "clock": complaint_services.clock(deadline[1]) if deadline else None,
        "respond_form": forms.get("respond_form") or ComplaintResponseForm(),
        "close_form": forms.get("close_form") or ComplaintCloseForm(),
        "can_reply": access.can_reply_to_complaint(user, complaint),
        "can_post": access.can_post_complaint_letters(user),
        "signed_in": complaint_services.has_sign_in(complaint.client),
        "reply_form": forms.get("reply_form") or ComplaintReplyForm(),
        "is_admin": access.can_see_register(user),
        "breaches": list(complaint.breaches.only("id", "reference", "status")) if access.can_see_register(user) else [],
    }
    return render(request, "complaints/complaint_detail.html", context, status=forms.get("status", 200))


@login_required
def complaint_detail(request: SignedInRequest, pk: str) -> HttpResponse:
    return _complaint_page(request, access.complaint_get_for(request.user, pk))


@login_required
@require_POST
def complaint_respond(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    complaint = access.complaint_get_for(user, pk)
    if not access.can_respond_to_complaint(user, complaint):
        raise Http404
    form = ComplaintResponseForm(request.POST)
    response = act_on(
        form,
        lambda data: complaint_services.complaint_respond(actor=user, complaint=complaint, message=data["message"]),
    )
    if response is not None:
        if response.by_post:
            messages.success(
                request, "Your response is saved as a letter to post: download it, post it, then mark it posted."
            )
        else:
            messages.success(request, "Your response is sent. The client was told it is there to read.")
        return redirect("complaints:complaint_detail", pk=complaint.pk)
    return _complaint_page(request, complaint, respond_form=form, status=400)


@login_required
@require_POST
def complaint_reply(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    complaint = access.complaint_get_for(user, pk)
    if not access.can_reply_to_complaint(user, complaint):
        raise Http404
    form = ComplaintReplyForm(request.POST)
    if act_on(
        form,
        lambda data: complaint_services.complaint_reply(actor=user, complaint=complaint, message=data["message"]),
    ):
        messages.success(request, "Your reply is sent. The practice has been told it is there to read.")
        return redirect("complaints:complaint_detail", pk=complaint.pk)
    return _complaint_page(request, complaint, reply_form=form, status=400)


@login_required
@require_POST
def complaint_close(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    complaint = access.complaint_get_for(user, pk)
    if not access.can_respond_to_complaint(user, complaint):
        raise Http404
    form = ComplaintCloseForm(request.POST)
    if act_on(
        form,
        lambda data: complaint_services.complaint_close(
            actor=user, complaint=complaint, outcome=data["outcome"], message=data["message"]
        ),
    ):
        if complaint_services.has_sign_in(complaint.client):
            messages.success(request, "The complaint is closed and the client has the final response.")
        else:
            messages.success(
                request, "The complaint is closed. The final response is a letter to post, then mark it posted."
            )
        return redirect("complaints:complaint_detail", pk=complaint.pk)
    return _complaint_page(request, complaint, close_form=form, status=400)


@login_required
def complaint_letter_pdf(request: SignedInRequest, pk: str) -> HttpResponse:
    """The letter of a response to a client without a sign-in, to print and post: on the practice's
    letterhead, watermarked with the reader and the time; the download is audited."""
    from confidentiality.downloads import attachment_response
    from confidentiality.pdf import render_pdf

    response = access.complaint_letter_get_for(request.user, pk)
    context = complaint_services.complaint_letter_read(user=request.user, response=response)
    pdf = render_pdf("complaints/complaint_letter_pdf.html", context, reader=request.user)
    name = f"letter-{response.complaint.reference}-{timezone.localtime(response.created_at):%Y%m%d-%H%M}.pdf"
    return attachment_response(pdf, content_type="application/pdf", name=name)


@login_required
@require_POST
def complaint_letter_posted(request: SignedInRequest, pk: str) -> HttpResponse:
    """The administrator posted the letter."""
    user: User = request.user
    response = access.complaint_letter_get_for(user, pk)
    try:
        complaint_services.complaint_letter_mark_posted(actor=user, response=response)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _complaint_page(request, response.complaint, status=400)
    messages.success(request, "The letter is marked posted.")
    return redirect(reverse("complaints:complaint_detail", args=[response.complaint_id]) + f"#letter-{response.pk}")


# --- the register ---------------------------------------------------------------------------


@login_required
def register(request: SignedInRequest) -> HttpResponse:
    """Complaints and breaches in one register, with their deadlines."""
    user: User = request.user
    if not access.can_see_register(user):
        raise Http404
    state = request.GET.get("state", "open")
    if state not in complaint_services.REGISTER_FILTERS:
        state = "open"
    page = Paginator(complaint_services.register_for(user=user, state=state), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/register.html",
        {
            "page": page,
            "rows": complaint_services.register_rows(list(page.object_list)),
            "state": state,
            "states": complaint_services.REGISTER_FILTERS,
            "deadlines": complaint_services.deadlines_for(user=user),
            "notification_hours": settings.BREACH_NOTIFICATION_HOURS,
        },
    )


# --- breaches -------------------------------------------------------------------------------


@login_required
def breach_list(request: SignedInRequest) -> HttpResponse:
    """A coach's own reports of suspected breaches. The administrator works from the register."""
    user: User = request.user
    if access.can_see_register(user):
        return redirect("complaints:register")
    if not access.can_report_breach(user):
        raise Http404
    items = complaint_services.breaches_for(user=user)[:200]
    return render(
        request,
        "complaints/breach_list.html",
        {"breaches": items, "notification_hours": settings.BREACH_NOTIFICATION_HOURS},
    )


@login_required
@require_http_methods(["GET", "POST"])
def breach_new(request: SignedInRequest) -> HttpResponse:
    user: User = request.user
    if not access.can_report_breach(user):
        raise Http404
    is_admin = access.can_see_register(user)
    complaint = complaint_services.complaint_for_breach(user=user, pk=request.GET.get("complaint"))
    form = BreachReportForm(request.POST or None)
    if not is_admin:
        del form.fields["containment"]
    breach = act_on(form, lambda data: complaint_services.breach_record(actor=user, complaint=complaint, **data))
    if breach is not None:
        if is_admin:
            messages.success(request, f"Breach {breach.reference} is recorded. The notification clock is running.")
        else:
            messages.success(request, f"Thank you: {breach.reference} is with the practice administrator.")
        return redirect("complaints:breach_detail", pk=breach.pk)
    return render(request, "complaints/breach_form.html", {"form": form, "is_admin": is_admin, "complaint": complaint})


def _breach_page(
    request: SignedInRequest, breach: Breach, form: Any = None, status: int = 200, **letter_forms: Any
) -> HttpResponse:
    user: User = request.user
    handling = access.can_handle_breach(user, breach)
    complaint_services.breach_read(user=user, breach=breach)
    deadline = complaint_services.breach_next_deadline(breach)
    if handling and form is None and breach.is_open:
        form = BreachUpdateForm(initial=breach_initial(breach))
    context = {
        "breach": breach,
        "handling": handling,
        "form": form if breach.is_open else None,
        "deadline": deadline[0] if deadline else None,
        "clock": complaint_services.clock(deadline[1]) if deadline else None,
        "version_form": VersionForm(initial={"version": breach.version}),
    }
    if handling:
        context |= letter_page_context(user, breach, **letter_forms)
    return render(request, "complaints/breach_detail.html", context, status=status)


def letter_page_context(user: User, breach: Breach, **forms: Any) -> dict[str, Any]:
    """The letters' part of the breach's page: who is affected, the decision, the letter, and the
    forms (the ones given keep what was typed into them)."""
    from complaints import letters

    if breach.is_open and "affected_form" not in forms:
        # First: it loads every client's key, the affected clients' among them, in one query.
        forms["affected_form"] = BreachAffectedForm(
            clients=letters.client_choices_for(user=user), organisations=access.organisations_visible_to(user)
        )
    context = letters.breach_letters_page_for(user=user, breach=breach)
    if not breach.is_open:
        return context
    decision, letter = communication_initial(context["communication"])
    forms.setdefault("communication_form", BreachCommunicationForm(initial=decision))
    forms.setdefault("letter_form", BreachLetterForm(initial=letter))
    return context | forms


@login_required
@require_http_methods(["GET", "POST"])
def breach_detail(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    breach = access.breach_get_for(user, pk)
    if request.method == "GET":
        return _breach_page(request, breach)
    if not access.can_handle_breach(user, breach):
        raise Http404
    form = BreachUpdateForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        for name in ("discovered_at", "regulator_notified_at"):
            # The form shows times to the minute; an unchanged one must not move the clock by seconds.
            stored = getattr(breach, name)
            if stored is not None and data[name] == stored.replace(second=0, microsecond=0):
                del data[name]
        try:
            complaint_services.breach_update(actor=user, breach=breach, expected_version=version, changes=data)
        except ConflictError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("complaints:breach_detail", pk=breach.pk)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "The breach record is saved.")
            return redirect("complaints:breach_detail", pk=breach.pk)
    return _breach_page(request, breach, form, status=400)


def _breach_transition(request: SignedInRequest, pk: str, service: Any, done: str) -> HttpResponse:
    user: User = request.user
    breach = access.breach_get_for(user, pk)
    if not access.can_handle_breach(user, breach):
        raise Http404
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Open the breach again and retry.")
        return redirect("complaints:breach_detail", pk=breach.pk)
    try:
        service(actor=user, breach=breach, expected_version=form.cleaned_data["version"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("complaints:breach_detail", pk=breach.pk)


@login_required
@require_POST
def breach_confirm(request: SignedInRequest, pk: str) -> HttpResponse:
    return _breach_transition(request, pk, complaint_services.breach_confirm, "Confirmed as a breach: it is open.")


@login_required
@require_POST
def breach_close(request: SignedInRequest, pk: str) -> HttpResponse:
    return _breach_transition(request, pk, complaint_services.breach_close, "The breach is closed.")
