"""Pages for the disclosure register and for concerns. Thin: the policy and the services decide."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

import access
from confidentiality.audit import audit_engagement_event, audit_record_many
from confidentiality.crypto import load_data_keys, remember_data_keys
from confidentiality.downloads import attachment_response
from confidentiality.forms import act_on, errors_to_form
from confidentiality.roles import Role
from disclosures import concerns, forms
from disclosures import services as disclosure_services
from disclosures import sharing as sharing_services
from disclosures.models import Concern, Disclosure
from engagements.models import Document, Organisation

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest
    from confidentiality.models import User


def _documents(engagement: Any) -> Any:
    from engagements.models import Document

    return Document.objects.filter(engagement=engagement).order_by("-created_at")


@login_required
@require_http_methods(["GET", "POST"])
def engagement_disclosures(request: SignedInRequest, pk: str) -> HttpResponse:
    """An engagement's register and concerns: the coaches write, the administrator and the client read."""
    user: User = request.user
    engagement = access.engagement_get_for(user, pk)
    if not access.can_read_disclosures(user, engagement):
        raise Http404
    can_write = access.can_write_disclosures(user, engagement)
    form = None
    if can_write:
        load_data_keys([engagement.data_key_id])
        form = forms.DisclosureForm(
            request.POST or None,
            consents=disclosure_services.active_disclosure_consents(engagement.client, engagement),
            documents=_documents(engagement),
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied  # reads the register, may not write it: 403
        if form.is_valid():
            made = _record_from_form(request, engagement, form)
            if made is not None:
                return redirect("disclosures:disclosure_detail", pk=made.pk)
    entries = list(disclosure_services.disclosures_for(user=user, engagement=engagement)[:100])
    if entries:
        load_data_keys([engagement.data_key_id])
        disclosure_services.audit_disclosure_reads(actor=user, engagement=engagement, disclosures=entries)
    return render(
        request,
        "disclosures/disclosure_list.html",
        {
            "engagement": engagement,
            "disclosures": entries,
            "concerns": list(
                access.concerns_visible_to(user).filter(engagement=engagement).select_related("opened_by")[:50]
            ),
            "can_write": can_write,
            "form": form,
        },
    )


def _record_from_form(request: SignedInRequest, engagement: Any, form: forms.DisclosureForm) -> Disclosure | None:
    data = form.cleaned_data
    try:
        made = disclosure_services.disclosure_record(
            actor=request.user,
            engagement=engagement,
            what=data["what"],
            recipient_kind=data["recipient_kind"],
            recipient=data["recipient"],
            reason=data["reason"],
            basis=data["basis"],
            consent=data["consent"],
            concerns_organisation=data["concerns_organisation"],
            organisation_consent=data["organisation_consent"],
        )
    except ValidationError as exc:
        errors_to_form(form, exc)
        return None
    if made.state == Disclosure.State.MADE:
        messages.success(request, "Disclosure recorded. The client has been sent the confirmation letter.")
    else:
        messages.success(request, "Disclosure recorded. It is made once a second person approves it.")
    return made


@login_required
def disclosure_register(request: SignedInRequest) -> HttpResponse:
    """The administrator's register across clients: who was told what, why, and on what basis."""
    from engagements.models import Client

    user: User = request.user
    if not access.can_read_disclosure_register(user):
        raise Http404
    entries = disclosure_services.disclosures_for(user=user).select_related("engagement__organisation")
    client = None
    if request.GET.get("client"):
        try:
            client = Client.objects.get(pk=request.GET["client"])
        except (Client.DoesNotExist, ValidationError, ValueError):
            raise Http404 from None
        entries = entries.filter(client=client)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    load_data_keys({d.engagement.data_key_id for d in rows} | {d.client.data_key_id for d in rows})
    if client is not None:
        load_data_keys([client.data_key_id])
    audit_record_many(
        actor=user,
        action="disclosure.read",
        object_type="consent.disclosure",
        items=[{"object_id": d.pk, "engagement_id": d.engagement_id, "client_id": d.client_id} for d in rows],
    )
    return render(request, "disclosures/disclosure_register.html", {"page": page, "rows": rows, "client": client})


@login_required
def disclosure_detail(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    disclosure = access.disclosure_get_for(user, pk)
    load_data_keys([disclosure.engagement.data_key_id])
    audit_engagement_event(user, "disclosure.read", disclosure.engagement, disclosure)
    return render(
        request,
        "disclosures/disclosure_detail.html",
        {
            "disclosure": disclosure,
            "engagement": disclosure.engagement,
            "can_approve": access.can_approve_disclosure(user, disclosure),
            "can_write": access.can_write_disclosures(user, disclosure.engagement),
            "can_read_register": access.can_read_disclosure_register(user),
        },
    )


@login_required
@require_POST
def disclosure_decide(request: SignedInRequest, pk: str) -> HttpResponse:
    disclosure = access.disclosure_get_for(request.user, pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "decline"):
        messages.error(request, "Choose to approve or not to approve.")
        return redirect("disclosures:disclosure_detail", pk=disclosure.pk)
    try:
        disclosure_services.disclosure_decide(actor=request.user, disclosure=disclosure, approve=decision == "approve")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            "Approved: the disclosure is made and the client has been written to."
            if decision == "approve"
            else "Not approved: the disclosure will not be made. The coach has been told.",
        )
    if disclosure.concern_id is not None:
        return redirect("disclosures:concern_detail", pk=disclosure.concern_id)
    return redirect("disclosures:disclosure_detail", pk=disclosure.pk)


@login_required
@require_POST
def disclosure_letter_sent(request: SignedInRequest, pk: str) -> HttpResponse:
    disclosure = access.disclosure_get_for(request.user, pk)
    try:
        disclosure_services.disclosure_mark_letter_sent(actor=request.user, disclosure=disclosure)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Recorded: the confirmation letter was sent by post.")
    return redirect("disclosures:disclosure_detail", pk=disclosure.pk)


@login_required
def disclosure_letter(request: SignedInRequest, pk: str) -> HttpResponse:
    """The confirmation letter to the client (policy 001), watermarked with the reader. Audited."""
    from confidentiality.pdf import render_pdf

    user: User = request.user
    disclosure = access.disclosure_get_for(user, pk)
    if disclosure.state != Disclosure.State.MADE:
        raise Http404
    load_data_keys([disclosure.engagement.data_key_id, disclosure.client.data_key_id])
    pdf = render_pdf("pdf/disclosure_letter.html", disclosure_services.letter_context(disclosure), reader=user)
    audit_engagement_event(user, "disclosure.letter", disclosure.engagement, disclosure)
    return attachment_response(
        pdf,
        content_type="application/pdf",
        name=f"disclosure-letter-{disclosure.engagement.reference}-{disclosure.made_at:%Y-%m-%d}.pdf",
    )


# --- concerns ------------------------------------------------------------------------------


@login_required
def concern_list(request: SignedInRequest) -> HttpResponse:
    """Concerns the person may see, and disclosures waiting for their second approval."""
    user: User = request.user
    if access.role_of(user) not in (Role.ADMIN, Role.COACH, Role.CLIENT):
        raise Http404
    visible = access.concerns_visible_to(user).select_related("engagement", "opened_by").order_by("-created_at")
    page = Paginator(visible, 50).get_page(request.GET.get("page"))
    waiting = [
        d
        for d in access.disclosures_visible_to(user)
        .filter(state=Disclosure.State.AWAITING_APPROVAL)
        .select_related("engagement", "authorised_by", "supervisor")
        .order_by("created_at")[:50]
        if access.can_approve_disclosure(user, d)
    ]
    return render(request, "disclosures/concern_list.html", {"page": page, "waiting": waiting})


@login_required
@require_http_methods(["GET", "POST"])
def concern_start(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    engagement = access.engagement_get_for(user, pk)
    if not access.can_write_disclosures(user, engagement):
        raise Http404
    form = forms.ConcernStartForm(request.POST or None, supervisors=access.supervisors_for(user))
    concern = act_on(form, lambda data: concerns.concern_start(actor=user, engagement=engagement, **data))
    if concern is not None:
        messages.success(request, "Concern opened and the issue noted. Take the next step below.")
        return redirect("disclosures:concern_detail", pk=concern.pk)
    return render(request, "disclosures/concern_start.html", {"engagement": engagement, "form": form})


def _step_form(
    concern: Concern, step: concerns.Step, data: Any = None, earlier_answers: dict[str, list[Any]] | None = None
) -> forms.ConcernStepForm:
    """The step's form; a step whose answer was taken back to be changed starts from that answer
    (``earlier_answers``, the concern's, as the page read them)."""
    earlier = None if data is not None else (earlier_answers or {}).get(step.key, [None])[0]
    initial = (
        {
            "text": earlier.text,
            "outcome": earlier.outcome,
            "detail": earlier.detail,
            "recipient_kind": earlier.recipient_kind,
            "basis": earlier.basis,
        }
        if earlier is not None and not earlier.skipped
        else None
    )
    return forms.ConcernStepForm(
        data,
        initial=initial,
        step=step,
        consents=disclosure_services.active_disclosure_consents(concern.engagement.client, concern.engagement),
        documents=_documents(concern.engagement),
    )


@login_required
def concern_detail(request: SignedInRequest, pk: str) -> HttpResponse:
    """The concern step by step: what was taken, by whom and when; the next step's form."""
    user: User = request.user
    concern = access.concern_get_for(user, pk)
    return _render_concern(request, concern)


def _render_concern(
    request: SignedInRequest,
    concern: Concern,
    step_form: Any = None,
    skip_form: Any = None,
    withdraw_form: Any = None,
    status: int = 200,
) -> HttpResponse:
    user: User = request.user
    taken = concerns.taken_steps(concern)
    earlier = concerns.earlier_answers(concern)
    remember_data_keys([concern.engagement.data_key])  # read with the concern
    audit_engagement_event(user, "concern.read", concern.engagement, concern, steps=len(taken))
    can_work = access.can_work_on_concern(user, concern) and concern.state == Concern.State.OPEN
    pending = concerns.pending_disclosure(concern)
    current = concerns.next_step(concern, taken) if concern.state == Concern.State.OPEN else None
    if can_work and current is not None and pending is None:
        step_form = step_form or _step_form(concern, current, earlier_answers=earlier)
        if concern.serious_danger and current.skippable_in_danger:
            skip_form = skip_form or forms.SkipStepForm()
    else:
        step_form = skip_form = None
    can_change = can_work and concerns.changeable(concern)
    staff = access.role_of(user) != Role.CLIENT
    return render(
        request,
        "disclosures/concern_detail.html",
        {
            "concern": concern,
            "engagement": concern.engagement,
            # Answers since changed, and why a concern was withdrawn, are the practice's working:
            # the client reads the concern as it stands.
            "steps": concerns.step_views(concern, taken, earlier if staff else None),
            "staff": staff,
            "can_change": can_change,
            # A refused withdrawal comes back with its reason, whatever the concern's state.
            "withdraw_form": withdraw_form or (forms.WithdrawConcernForm() if can_change else None),
            "current": current,
            "pending": pending,
            # The client learns of a disclosure once it is made, as in the register.
            "pending_facts": pending is not None and access.disclosures_visible_to(user).filter(pk=pending.pk).exists(),
            "can_approve": pending is not None and access.can_approve_disclosure(user, pending),
            "can_work": can_work,
            "step_form": step_form,
            "skip_form": skip_form,
        },
        status=status,
    )


@login_required
@require_POST
def concern_step(request: SignedInRequest, pk: str) -> HttpResponse:
    """Take (or, in serious danger, skip) the step the coach was shown."""
    user: User = request.user
    concern = _workable_concern(user, pk)
    current = concerns.next_step(concern) if concern.state == Concern.State.OPEN else None
    shown = request.POST.get("step", "")
    if current is None or shown != current.key:
        messages.error(request, "That step is no longer the next one; the page now shows where the concern stands.")
        return redirect("disclosures:concern_detail", pk=concern.pk)
    skipping = "skip" in request.POST
    form: Any = forms.SkipStepForm(request.POST) if skipping else _step_form(concern, current, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if skipping:
                concerns.concern_skip_step(actor=user, concern=concern, step=shown, reason=data["reason"])
            else:
                result = concerns.concern_record_step(actor=user, concern=concern, step=shown, **data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if not skipping and isinstance(result, Disclosure) and result.state != Disclosure.State.MADE:
                messages.success(request, "Disclosure recorded. It waits for the second approval before it is made.")
            else:
                messages.success(request, "Step skipped, with your reason." if skipping else "Step recorded.")
            return redirect("disclosures:concern_detail", pk=concern.pk)
    concern.refresh_from_db()
    return _render_concern(request, concern, step_form=None if skipping else form, skip_form=form if skipping else None)


def _workable_concern(user: User, pk: str) -> Concern:
    """The concern, for a coach who works on it: 404 outside need-to-know, 403 to one who only reads it."""
    concern: Concern = access.concern_get_for(user, pk)
    if not access.can_work_on_concern(user, concern):
        raise PermissionDenied
    return concern


@login_required
@require_POST
def concern_change(request: SignedInRequest, pk: str) -> HttpResponse:
    """Take a step's answer back to change it (the earlier answer is kept)."""
    user: User = request.user
    concern = _workable_concern(user, pk)
    try:
        concerns.concern_change_step(actor=user, concern=concern, step=request.POST.get("step", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _render_concern(request, concern, status=400)
    else:
        messages.success(
            request, "Change the answer below. The earlier answer is kept, and the steps after it are open again."
        )
    return redirect("disclosures:concern_detail", pk=concern.pk)


@login_required
@require_POST
def concern_withdraw(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    concern = _workable_concern(user, pk)
    form = forms.WithdrawConcernForm(request.POST)
    done = act_on(form, lambda data: concerns.concern_withdraw(actor=user, concern=concern, reason=data["reason"]))
    if done is not None:
        messages.success(request, "The concern is withdrawn, with your reason. What was recorded stays.")
        return redirect("disclosures:concern_detail", pk=concern.pk)
    concern.refresh_from_db()
    return _render_concern(request, concern, withdraw_form=form, status=400)


# --- sharing between organisations (policy 000: only by agreement with the organisations involved) ---


def _sharing_page(
    request: SignedInRequest,
    sharing: Any,
    *,
    record_form: Any = None,
    decision_form: Any = None,
    settle_form: Any = None,
    status: int = 200,
) -> HttpResponse:
    user: User = request.user
    manages = access.can_manage_sharings(user)
    own = None if manages else access.sharing_organisation_for(user, sharing)
    permissions = list(sharing.permissions.select_related("organisation", "decided_by", "evidence__engagement"))
    context: dict[str, Any] = {
        "sharing": sharing_services.sharing_read(user=user, sharing=sharing),
        "manages": manages,
        "permissions": permissions,
        "proposed": sharing.state == sharing.State.PROPOSED,
        "missing": [p for p in permissions if p.state != p.State.GIVEN],
        "settle_form": settle_form or forms.SharingSettleForm(),
    }
    if manages:
        organisations = Organisation.objects.filter(sharing_permissions__sharing=sharing)
        documents = Document.objects.filter(engagement__organisation__in=organisations).select_related("engagement")
        context["record_form"] = record_form or forms.SharingPermissionRecordForm(
            organisations=organisations, documents=documents
        )
    elif own is not None:
        context["own"] = own
        context["own_permission"] = next((p for p in permissions if p.organisation_id == own.pk), None)
        context["wording"] = sharing_services.permission_wording(sharing, own)
        context["decision_form"] = decision_form or forms.SharingDecisionForm()
    return render(request, "disclosures/sharing_detail.html", context, status=status)


@login_required
def sharing_list(request: SignedInRequest) -> HttpResponse:
    """The administrator's register, or the sharings that concern a sponsor contact's organisation.
    No text: listing reads nothing confidential."""
    user: User = request.user
    if not access.shows_sharings_link(user):
        raise Http404
    state = request.GET.get("state", "all")
    if state not in sharing_services.REGISTER_FILTERS:
        state = "all"
    page = Paginator(sharing_services.sharings_for(user=user, state=state), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "disclosures/sharing_list.html",
        {
            "page": page,
            "state": state,
            "states": sharing_services.REGISTER_FILTERS,
            "manages": access.can_manage_sharings(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def sharing_new(request: SignedInRequest) -> HttpResponse:
    user: User = request.user
    if not access.can_manage_sharings(user):
        raise Http404
    form = forms.SharingForm(request.POST or None, organisations=access.organisations_visible_to(user))
    sharing = act_on(
        form,
        lambda data: sharing_services.sharing_propose(
            actor=user,
            organisation=data["organisation"],
            to_organisation=data["to_organisation"],
            to_outside_body=data["to_outside_body"],
            also_concerns=list(data["also_concerns"]),
            what=data["what"],
            why=data["why"],
        ),
    )
    if sharing is not None:
        messages.success(request, f"{sharing.reference} is recorded: each organisation it concerns is asked.")
        return redirect("disclosures:sharing_detail", pk=sharing.pk)
    return render(request, "disclosures/sharing_form.html", {"form": form}, status=400 if form.is_bound else 200)


@login_required
def sharing_detail(request: SignedInRequest, pk: str) -> HttpResponse:
    return _sharing_page(request, access.sharing_get_for(request.user, pk))


@login_required
@require_POST
def sharing_permission(request: SignedInRequest, pk: str) -> HttpResponse:
    """A sponsor contact gives or refuses their organisation's written permission."""
    user: User = request.user
    sharing = access.sharing_get_for(user, pk)
    if access.can_manage_sharings(user):
        raise PermissionDenied("The administrator records an organisation's permission with its document.")
    form = forms.SharingDecisionForm(request.POST)
    if act_on(
        form,
        lambda data: sharing_services.sharing_permission_decide(
            actor=user, sharing=sharing, give=data["decision"] == "give"
        ),
    ):
        messages.success(request, "Your organisation's decision is recorded.")
        return redirect("disclosures:sharing_detail", pk=sharing.pk)
    return _sharing_page(request, sharing, decision_form=form, status=400)


@login_required
@require_POST
def sharing_permission_record(request: SignedInRequest, pk: str) -> HttpResponse:
    """The administrator records a permission received in writing outside the portal."""
    user: User = request.user
    sharing = access.sharing_get_for(user, pk)
    if not access.can_manage_sharings(user):
        raise PermissionDenied("Only the practice administrator can do this.")
    form = forms.SharingPermissionRecordForm(
        request.POST,
        organisations=Organisation.objects.filter(sharing_permissions__sharing=sharing),
        documents=Document.objects.filter(
            engagement__organisation__sharing_permissions__sharing=sharing
        ).select_related("engagement"),
    )
    if act_on(
        form,
        lambda data: sharing_services.sharing_permission_record(
            actor=user,
            sharing=sharing,
            organisation=data["organisation"],
            give=data["decision"] == "give",
            evidence=data["evidence"],
        ),
    ):
        messages.success(request, "The organisation's decision is recorded.")
        return redirect("disclosures:sharing_detail", pk=sharing.pk)
    return _sharing_page(request, sharing, record_form=form, status=400)


def _settle(request: SignedInRequest, pk: str, action: Any, done: str) -> HttpResponse:
    user: User = request.user
    sharing = access.sharing_get_for(user, pk)
    if not access.can_manage_sharings(user):
        raise PermissionDenied("Only the practice administrator can do this.")
    form = forms.SharingSettleForm(request.POST)
    if act_on(form, lambda data: action(actor=user, sharing=sharing)):
        messages.success(request, f"{sharing.reference} {done}.")
        return redirect("disclosures:sharing_detail", pk=sharing.pk)
    return _sharing_page(request, sharing, settle_form=form, status=400)


@login_required
@require_POST
def sharing_shared(request: SignedInRequest, pk: str) -> HttpResponse:
    """Refused, beside the button, while any organisation's written permission is missing."""
    return _settle(request, pk, sharing_services.sharing_mark_shared, "is marked shared")


@login_required
@require_POST
def sharing_withdraw(request: SignedInRequest, pk: str) -> HttpResponse:
    return _settle(request, pk, sharing_services.sharing_withdraw, "is withdrawn: nothing was shared")
