from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

import access
from confidentiality.addresses import client_address
from confidentiality.audit import audit_engagement_event
from confidentiality.downloads import attachment_response
from confidentiality.forms import act_on, errors_to_form
from confidentiality.roles import Role
from consent import forms, selectors, services
from consent.models import Agreement
from consent.text import agreement_text

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest
    from confidentiality.models import User


@login_required
@require_http_methods(["GET", "POST"])
def engagement_agreement(request: SignedInRequest, pk: str) -> HttpResponse:
    """The agreement of one engagement: where it stands, its versions, and drafting."""
    user: User = request.user
    engagement = access.engagement_get_for(user, pk)
    if not access.can_read_agreements(user, engagement):
        raise Http404
    can_draft = access.can_draft_agreement(user, engagement)
    start_form = forms.StartAgreementForm(request.POST or None, templates=selectors.templates_for(user=user))
    if request.method == "POST":
        if not can_draft:
            raise Http404
        template = start_form.cleaned_data["template"] if start_form.is_valid() else None
        try:
            draft = services.agreement_start(actor=user, engagement=engagement, template=template)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            return redirect("consent:agreement_edit", pk=draft.pk)
    return render(
        request,
        "consent/engagement_agreement.html",
        {
            "engagement": engagement,
            "versions": selectors.agreements_for(user=user, engagement=engagement),
            "current": services.current_agreement(engagement),
            "missing": services.agreement_missing(engagement),
            "can_draft": can_draft,
            "draft": services.latest_draft(engagement) if can_draft else None,
            "start_form": start_form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_detail(request: SignedInRequest, pk: str) -> HttpResponse:
    """Read one version in plain words, and sign it if it waits for you."""
    user: User = request.user
    agreement = selectors.agreement_get_for(user=user, pk=pk)
    if agreement.state == Agreement.State.DRAFT:
        return redirect("consent:agreement_edit", pk=agreement.pk)
    text = agreement_text(agreement)
    party = access.agreement_party(user, agreement.engagement)
    already = agreement.signatures.filter(user=user).exists()
    can_sign = party is not None and agreement.state == Agreement.State.OUT_FOR_SIGNATURE and not already
    form = forms.SignForm(request.POST or None, initial={"text_hash": text.sha256})
    if request.method == "POST":
        if not can_sign:
            raise Http404
        if form.is_valid():
            try:
                services.agreement_sign(
                    actor=user,
                    agreement=agreement,
                    shown_hash=form.cleaned_data["text_hash"],
                    ip_address=client_address(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, "Thank you: your signature is recorded.")
                return redirect("consent:agreement_detail", pk=agreement.pk)
    return render(
        request,
        "consent/agreement_detail.html",
        {
            "agreement": agreement,
            "engagement": agreement.engagement,
            "text": text,
            "signatures": selectors.signatures_named(user=user, agreement=agreement),
            "can_sign": can_sign,
            "party": party,
            "form": form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    agreement = selectors.agreement_get_for(user=user, pk=pk)
    if not access.can_draft_agreement(user, agreement.engagement) or agreement.state != Agreement.State.DRAFT:
        raise Http404
    terms = list(agreement.terms.select_related("category").order_by("category__position"))
    initial = {name: getattr(agreement, name) for name in services.CONTENT_FIELDS} | {
        "edit_version": agreement.edit_version
    }
    named = {c.coach_id: c.code for c in agreement.coach_codes.select_related("code")}
    coaches = [(coach, named.get(coach.pk)) for coach in services.engagement_coaches(agreement.engagement)]
    form = forms.AgreementDraftForm(
        request.POST or None,
        initial=initial,
        terms=terms,
        coaches=coaches,
        private=agreement.engagement.is_private,
    )
    if request.method == "POST" and form.is_valid():
        content = {name: form.cleaned_data[name] for name in services.CONTENT_FIELDS if name in form.cleaned_data}
        try:
            with transaction.atomic():
                updated = services.agreement_update_draft(
                    actor=user,
                    agreement=agreement,
                    expected_edit_version=form.cleaned_data["edit_version"],
                    content=content,
                    terms=form.term_values(),
                    coach_codes=form.coach_codes(),
                )
                if "send" in request.POST:
                    services.agreement_send(actor=user, agreement=updated)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if "send" in request.POST:
                messages.success(
                    request,
                    "Sent for signing. The client has been told."
                    if agreement.engagement.is_private
                    else "Sent for signing. The client and the sponsor have been told.",
                )
                return redirect("consent:engagement_agreement", pk=agreement.engagement_id)
            messages.success(request, "Draft saved.")
            return redirect("consent:agreement_edit", pk=agreement.pk)
    return render(
        request,
        "consent/agreement_edit.html",
        {"agreement": agreement, "engagement": agreement.engagement, "form": form},
    )


@login_required
def agreement_pdf(request: SignedInRequest, pk: str) -> HttpResponse:
    """The agreement as a PDF, watermarked with who downloaded it and when. Audited. Rendered once
    and kept encrypted (confidentiality.keptpdf), one for sponsors and one for everyone else (the
    sponsor is not shown the client's name); each download stamps its watermark."""
    from confidentiality.keptpdf import kept_pdf_for_reader
    from consent.models import AgreementPdf

    user: User = request.user
    agreement = selectors.agreement_get_for(user=user, pk=pk)
    if agreement.state == Agreement.State.DRAFT:
        raise Http404
    context = {
        "agreement": agreement,
        "text": agreement_text(agreement),
        "signatures": selectors.signatures_named(user=user, agreement=agreement),
    }
    pdf = kept_pdf_for_reader(
        AgreementPdf,
        document=agreement,
        engagement=agreement.engagement,
        template="pdf/agreement.html",
        context=context,
        reader=user,
        audience="sponsor" if access.role_of(user) == Role.SPONSOR else "",
    )
    audit_engagement_event(user, "agreement.download", agreement.engagement, agreement)
    return attachment_response(
        pdf, content_type="application/pdf", name=f"agreement-{agreement.engagement.reference}-v{agreement.version}.pdf"
    )


@login_required
def consent_list(request: SignedInRequest) -> HttpResponse:
    user: User = request.user
    if not access.can_record_consent_anywhere(user):
        raise Http404
    consents = list(selectors.consents_for(user=user)[:200])
    from confidentiality.crypto import load_data_keys

    load_data_keys({c.client.data_key_id for c in consents})
    from consent.defaults import PORTAL_CONSENT_WORDING

    active = {c.kind for c in consents if c.withdrawn_at is None}
    offers = (
        [(kind, wording) for kind, wording in PORTAL_CONSENT_WORDING.items() if kind not in active]
        if access.role_of(user) == Role.CLIENT
        else []
    )
    return render(
        request, "consent/consent_list.html", {"consents": consents, "role": access.role_of(user), "offers": offers}
    )


@login_required
@require_POST
def consent_give(request: SignedInRequest) -> HttpResponse:
    """A client gives, in the portal, a consent the practice never assumes (testimonial, marketing)."""
    from consent.defaults import PORTAL_CONSENT_WORDING
    from consent.models import ConsentRecord

    user: User = request.user
    client = getattr(user, "client_profile", None)
    kind = request.POST.get("kind", "")
    if access.role_of(user) != Role.CLIENT or client is None or kind not in PORTAL_CONSENT_WORDING:
        raise Http404
    if services.has_active_consent(client, kind):
        messages.info(request, "You have already given this consent.")
    else:
        services.consent_record(
            actor=user,
            client=client,
            kind=kind,
            wording=PORTAL_CONSENT_WORDING[kind],
            method=ConsentRecord.Method.PORTAL,
        )
        messages.success(request, "Consent given. You can withdraw it here at any time.")
    return redirect("consent:consents")


@login_required
@require_POST
def consent_withdraw(request: SignedInRequest, pk: str) -> HttpResponse:
    consent = selectors.consent_get_for(user=request.user, pk=pk)
    try:
        services.consent_withdraw(actor=request.user, consent=consent)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, "Consent withdrawn. It no longer applies, from now on.")
    return redirect("consent:consents")


@login_required
@require_http_methods(["GET", "POST"])
def category_list(request: SignedInRequest) -> HttpResponse:
    """The kinds of information agreements settle; the administrator adds the practice's own."""
    from consent.models import InformationCategory

    user: User = request.user
    access.require(user, access.Capability.MANAGE_PRACTICE)
    form = forms.CategoryForm(request.POST or None)
    if act_on(form, lambda data: services.information_category_create(actor=user, **data)):
        messages.success(request, "Category added. New agreement drafts include it, not shared until decided.")
        return redirect("consent:categories")
    return render(
        request, "consent/category_list.html", {"categories": InformationCategory.objects.all(), "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_list(request: SignedInRequest) -> HttpResponse:
    user: User = request.user
    templates = selectors.templates_for(user=user)
    if access.role_of(user) not in (Role.ADMIN, Role.COACH):
        raise Http404
    form = forms.TemplateCopyForm(request.POST or None, templates=templates)
    made = act_on(
        form, lambda data: services.agreement_template_create(actor=user, name=data["name"], source=data["copy_from"])
    )
    if made is not None:
        return redirect("consent:template_edit", pk=made.pk)
    return render(
        request,
        "consent/template_list.html",
        {
            "templates": templates,
            "form": form,
            "can_manage_codes": access.can(user, access.Capability.MANAGE_PRACTICE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: SignedInRequest, pk: str) -> HttpResponse:
    from consent.models import AgreementTemplate

    user: User = request.user
    template = selectors.templates_for(user=user).filter(pk=pk).first()
    if template is None:
        raise Http404
    terms = list(template.terms.select_related("category").order_by("category__position"))
    initial = {name: getattr(template, name) for name in services.CONTENT_FIELDS} | {
        "edit_version": template.edit_version
    }
    form = forms.AgreementDraftForm(request.POST or None, initial=initial, terms=terms)
    if act_on(
        form,
        lambda data: services.agreement_template_update(
            actor=user,
            template=template,
            expected_edit_version=data["edit_version"],
            content={name: data[name] for name in services.CONTENT_FIELDS},
            terms=form.term_values(),
        ),
    ):
        messages.success(request, "Template saved. Agreements already drafted keep their own wording.")
        return redirect("consent:templates")
    assert isinstance(template, AgreementTemplate)
    return render(request, "consent/agreement_edit.html", {"form": form, "template": template})


@login_required
@require_http_methods(["GET", "POST"])
def professional_code_list(request: SignedInRequest) -> HttpResponse:
    """The professional codes the practice's coaches work under (policy 004); each agreement names one
    per coach. The administrator adds codes and retires them."""
    from consent.models import ProfessionalCode

    user: User = request.user
    access.require(user, access.Capability.MANAGE_PRACTICE)
    form = forms.ProfessionalCodeForm(request.POST or None)
    if act_on(form, lambda data: services.professional_code_create(actor=user, **data)):
        messages.success(request, "Code added. Coaches can name it in their agreements.")
        return redirect("consent:professional_codes")
    return render(
        request, "consent/professional_code_list.html", {"codes": ProfessionalCode.objects.all(), "form": form}
    )


@login_required
@require_POST
def professional_code_active(request: SignedInRequest, pk: int) -> HttpResponse:
    """Retire a code, or bring it back: the form sends ``active`` to bring it back."""
    from consent.models import ProfessionalCode

    user: User = request.user
    access.require(user, access.Capability.MANAGE_PRACTICE)
    code = ProfessionalCode.objects.filter(pk=pk).first()
    if code is None:
        raise Http404
    active = request.POST.get("active") == "1"
    services.professional_code_set_active(actor=user, code=code, active=active)
    messages.success(request, f"{code.name} is {'back on' if active else 'retired from'} the practice's list.")
    return redirect("consent:professional_codes")
