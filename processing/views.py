"""The record of processing (the administrator's) and the privacy notice (anyone's).

The register page is the record itself: the controller, every activity and processor, each with its
change and remove buttons, and the forms to add one. A refusal comes back on the page with what was
typed and the reason beside its field, and nothing is written.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import access
from confidentiality.forms import act_on
from confidentiality.roles import Role
from processing import selectors, services
from processing.forms import ActivityForm, ProcessorForm
from processing.models import ProcessingActivity, Processor

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest
    from confidentiality.models import User


def _admin(request: SignedInRequest) -> User:
    if not access.can_manage_records_of_processing(request.user):
        raise Http404
    return request.user


def _activity(pk: Any) -> ProcessingActivity:
    found = ProcessingActivity.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _processor(pk: Any) -> Processor:
    found = Processor.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _register(
    request: HttpRequest,
    *,
    activity_form: ActivityForm | None = None,
    processor_form: ProcessorForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "processing/register.html",
        {
            **selectors.record_of_processing(),
            "activity_form": activity_form or ActivityForm(),
            "processor_form": processor_form or ProcessorForm(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def register(request: SignedInRequest) -> HttpResponse:
    """The record of processing; a POST adds an activity."""
    user = _admin(request)
    if request.method != "POST":
        return _register(request)
    form = ActivityForm(request.POST)
    activity = act_on(form, lambda data: services.activity_create(actor=user, **data))
    if activity is None:
        return _register(request, activity_form=form, status=400)
    messages.success(request, f"Activity recorded: {activity.purpose}.")
    return redirect("processing:register")


@login_required
@require_POST
def processor_add(request: SignedInRequest) -> HttpResponse:
    user = _admin(request)
    form = ProcessorForm(request.POST)
    processor = act_on(form, lambda data: services.processor_create(actor=user, **data))
    if processor is None:
        return _register(request, processor_form=form, status=400)
    messages.success(request, f"Processor recorded: {processor.name}. Name it on the activities it serves.")
    return redirect("processing:register")


@login_required
@require_POST
def suggestions(request: SignedInRequest) -> HttpResponse:
    """The activities a coaching practice starts from (processing/defaults.py), those not recorded yet."""
    user = _admin(request)
    added = services.processing_suggestions_install(actor=user)
    if added:
        messages.success(request, f"{added} suggested activit{'y' if added == 1 else 'ies'} added: check each fits.")
    else:
        messages.info(request, "Every suggested activity is recorded already.")
    return redirect("processing:register")


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: SignedInRequest, pk: Any) -> HttpResponse:
    user = _admin(request)
    activity = _activity(pk)
    heading = activity.purpose  # as recorded: the form writes what was typed onto the instance
    form = ActivityForm(request.POST or None, instance=activity)
    changed = act_on(form, lambda data: services.activity_update(actor=user, activity=activity, **data))
    if changed is not None:
        messages.success(request, f"Activity changed: {changed.purpose}.")
        return redirect("processing:register")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "processing/activity_form.html",
        {"form": form, "activity": activity, "heading": heading},
        status=status,
    )


@login_required
@require_POST
def activity_remove(request: SignedInRequest, pk: Any) -> HttpResponse:
    user = _admin(request)
    activity = _activity(pk)
    services.activity_remove(actor=user, activity=activity)
    messages.success(request, f"Activity removed: {activity.purpose}.")
    return redirect("processing:register")


@login_required
@require_http_methods(["GET", "POST"])
def processor_edit(request: SignedInRequest, pk: Any) -> HttpResponse:
    user = _admin(request)
    processor = _processor(pk)
    heading = processor.name
    form = ProcessorForm(request.POST or None, instance=processor)
    changed = act_on(form, lambda data: services.processor_update(actor=user, processor=processor, **data))
    if changed is not None:
        messages.success(request, f"Processor changed: {changed.name}.")
        return redirect("processing:register")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "processing/processor_form.html",
        {"form": form, "processor": processor, "heading": heading},
        status=status,
    )


@login_required
@require_POST
def processor_remove(request: SignedInRequest, pk: Any) -> HttpResponse:
    user = _admin(request)
    processor = _processor(pk)
    try:
        services.processor_remove(actor=user, processor=processor)
    except ValidationError as exc:
        messages.error(request, "The processor was not removed: " + " ".join(exc.messages))
    else:
        messages.success(request, f"Processor removed: {processor.name}.")
    return redirect("processing:register")


@login_required
@require_GET
def register_pdf(request: SignedInRequest) -> HttpResponse:
    """The record of processing as a PDF, watermarked with who downloaded it and when."""
    from confidentiality.audit import audit_record
    from confidentiality.downloads import attachment_response
    from confidentiality.pdf import render_pdf

    user = _admin(request)
    context = selectors.record_of_processing()
    pdf = render_pdf("processing/register_pdf.html", context, reader=user)
    audit_record(actor=user, action="processing.record_download")
    return attachment_response(
        pdf, content_type="application/pdf", name=f"record-of-processing-{context['generated_on']:%Y-%m-%d}.pdf"
    )


@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """Public: it holds no personal data, and someone holding an invitation reads it before they
    have an account (the client's journey: open the invitation, read the notice, set a password)."""
    # A signed-in client is shown the portal's own pages for their rights, consents and complaints.
    in_portal = access.role_of(request.user) == Role.CLIENT
    return render(request, "processing/privacy_notice.html", {**selectors.privacy_notice(), "in_portal": in_portal})


@require_GET
def privacy_notice_pdf(request: HttpRequest) -> HttpResponse:
    # Public and unauthenticated: drawn once for each version of the notice and kept, so that asking
    # for it again and again costs a template, not a PDF each time.
    import hashlib

    from django.core.cache import cache
    from django.template.loader import render_to_string

    from confidentiality.downloads import attachment_response
    from confidentiality.pdf import render_pdf

    template, context = "processing/privacy_notice_pdf.html", selectors.privacy_notice()
    version = hashlib.sha256(render_to_string(template, context).encode()).hexdigest()
    key = f"privacy-notice-pdf:{version}"
    try:
        pdf = cache.get(key)
    except Exception:  # the cache is down: the notice is still given, drawn this once
        pdf = None
    if pdf is None:
        pdf = render_pdf(template, context)
        with contextlib.suppress(Exception):
            cache.set(key, pdf, timeout=24 * 3600)
    return attachment_response(pdf, content_type="application/pdf", name="privacy-notice.pdf")
