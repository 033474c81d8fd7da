"""Pages for sponsor reports: the coach drafts and releases, the client reviews, the sponsor reads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

import access
from confidentiality.audit import audit_engagement_event
from confidentiality.crypto import load_data_keys, remember_data_keys
from confidentiality.downloads import attachment_response
from confidentiality.roles import Role
from consent.services import work_blockers
from reports import services as report_services
from reports.models import ReportComment, ReportSection, SponsorReport

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest
    from confidentiality.models import User


def _sections_from(request: HttpRequest, categories: list[Any]) -> dict[int, str]:
    return {c.pk: request.POST.get(f"section_{c.pk}", "") for c in categories}


@login_required
@require_http_methods(["GET", "POST"])
def report_list(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    engagement = access.engagement_get_for(user, pk)
    visible = report_services.reports_visible_to(user, engagement)
    is_coach = access.has_engagement_access(user, engagement, access.EngagementAccess.READ_CONFIDENTIAL)
    categories = report_services.allowed_categories(engagement) if is_coach else []
    kept: dict[str, Any] = {"typed_title": "", "typed_sections": {}, "refusal": ""}
    if request.method == "POST":
        if not is_coach:
            raise Http404
        typed = _sections_from(request, categories)
        try:
            report = report_services.report_create(
                actor=user, engagement=engagement, title=request.POST.get("title", ""), sections=typed
            )
        except ValidationError as exc:
            # Nothing typed is lost: the form comes back as it was sent, with the reason above it.
            kept = {
                "typed_title": request.POST.get("title", ""),
                "typed_sections": typed,
                "refusal": " ".join(exc.messages),
            }
        except PermissionDenied:
            raise Http404 from None
        else:
            return redirect("reports:report_detail", pk=report.pk)
    return render(
        request,
        "reports/report_list.html",
        {
            "engagement": engagement,
            "reports": visible,
            "is_coach": is_coach,
            "categories": categories,
            "work_waits_for": work_blockers(engagement) if is_coach else [],
            "private_no_reports": report_services.PRIVATE_NO_REPORTS.removesuffix(" Nothing was saved."),
            **kept,
        },
    )


@login_required
def report_detail(request: SignedInRequest, pk: str) -> HttpResponse:
    return _report_page(request, report_services.report_get_for(request.user, pk))


def _report_page(
    request: SignedInRequest, report: SponsorReport, *, kept: dict[str, Any] | None = None
) -> HttpResponse:
    """The report's page. After a refused action, ``kept`` holds what the person had typed (the
    sections, or a comment and its section) and the reason: the page shows them again, with the reason
    beside the form, instead of the stored text."""
    user: User = request.user
    kept = kept or {}
    version = report_services.version_for(user, report)
    is_coach = report_services.is_report_author_side(user, report)
    is_client = access.role_of(user) == Role.CLIENT
    # Read with the report: the engagement's key (the sections), and the client's, whose name the
    # coach's buttons say.
    remember_data_keys([report.engagement.data_key, *([report.engagement.client.data_key] if is_coach else [])])
    sections = list(version.sections.select_related("category")) if version else []
    changes = []
    if is_client and version is not None:
        previous = report_services.previous_submitted(version)
        if previous is not None:
            before = {s.category_id: s.body for s in previous.sections.all()}
            changes = [(s, report_services.word_diff(before.get(s.category_id, ""), s.body)) for s in sections]
    # The comments of this version and of those before it: the coach revising, and the client
    # reading the next version, still see what was asked. Nobody else reads comments.
    thread = (
        list(
            ReportComment.objects.filter(version__report=report, version__number__lte=version.number)
            .select_related("version", "section__category", "author")
            .order_by("-version__number", "created_at")
        )
        if version and (is_coach or is_client)
        else []
    )
    shown = version.pk if version else None
    comments = [c for c in thread if c.version_id == shown]
    earlier_comments = [c for c in thread if c.version_id != shown]
    if version is not None:
        audit_engagement_event(user, "report.read", report.engagement, report, version=version.number)
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "engagement": report.engagement,
            "version": version,
            "sections": sections,
            "changes": changes,
            "comments": comments,
            "earlier_comments": earlier_comments,
            "is_coach": is_coach,
            "is_client": is_client,
            "can_edit": is_coach and report.state in (SponsorReport.State.DRAFT, SponsorReport.State.CHANGES_REQUESTED),
            "categories": report_services.allowed_categories(report.engagement) if is_coach else [],
            "section_text": kept.get("sections") or {s.category_id: s.body for s in sections},
            "refusal": kept.get("refusal", ""),
            "refused_action": kept.get("action", ""),
            "comment_section": kept.get("comment_section", ""),
            # Beside the section's own comment form, when that form is shown; else at the top.
            "comment_beside": kept.get("action") == "comment"
            and is_client
            and report.state == SponsorReport.State.WITH_CLIENT
            and any(str(s.pk) == kept.get("comment_section") for s in sections),
            "kept_sections": kept.get("sections") or {},
            "comment_text": kept.get("comment_text", ""),
            "client_name": _client_name(user, report) if is_coach else "",
            "sponsor_readers": report_services.sponsor_readers(report) if is_coach else [],
        },
    )


def _client_name(user: User, report: SponsorReport) -> str:
    """The client's name for the coach's buttons: read, and audited, as the engagement page reads it."""
    from engagements.selectors import client_for_engagement

    client = client_for_engagement(user=user, engagement=report.engagement)
    return client.full_name if client is not None else "the client"


ACTIONS = {"revise", "submit", "comment", "request-changes", "approve", "release"}


@login_required
@require_POST
def report_action(request: SignedInRequest, pk: str, action: str) -> HttpResponse:
    user: User = request.user
    if action not in ACTIONS:
        raise Http404
    report = report_services.report_get_for(user, pk)
    try:
        seen = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, "The form was incomplete; reload the report and try again.")
        return redirect("reports:report_detail", pk=report.pk)
    done = {
        "revise": "Saved.",
        "submit": "Sent to the client for review.",
        "comment": "Comment added.",
        "request-changes": "Your coach has been asked for changes.",
        "approve": "Approved. Your coach can now release this version to your organisation.",
        "release": "Released to the sponsor.",
    }[action]
    categories = report_services.allowed_categories(report.engagement)
    typed = _sections_from(request, categories) if any(f"section_{c.pk}" in request.POST for c in categories) else None
    try:
        if action == "release" and request.POST.get("confirm") != "yes":
            if not report_services.is_report_author_side(user, report):
                raise PermissionDenied  # the coach's action: nobody else learns it needs a confirmation
            raise ValidationError("Tick the box to confirm who will read the report once it is released.")
        if action == "revise":
            report_services.report_revise(actor=user, report=report, expected_version=seen, sections=typed or {})
        elif action == "submit":
            report_services.report_submit(actor=user, report=report, expected_version=seen, sections=typed)
        elif action == "comment":
            section = None
            version = report.versions.filter(number=seen).first()
            if request.POST.get("section") and version is not None:
                section = version.sections.filter(pk=request.POST["section"]).first()
            report_services.report_comment(
                actor=user, report=report, version_number=seen, body=request.POST.get("body", ""), section=section
            )
        elif action == "request-changes":
            report_services.report_request_changes(actor=user, report=report, version_number=seen)
        elif action == "approve":
            report_services.report_approve(actor=user, report=report, version_number=seen)
        else:
            report_services.report_release(actor=user, report=report, expected_version=seen)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        # Nothing typed is lost: the page comes back with the text as sent and the reason beside it.
        kept: dict[str, Any] = {"refusal": " ".join(exc.messages), "action": action}
        if typed is not None:
            kept["sections"] = typed
        if action == "comment":
            kept |= {"comment_section": request.POST.get("section", ""), "comment_text": request.POST.get("body", "")}
        return _report_page(request, report_services.report_get_for(user, report.pk), kept=kept)
    messages.success(request, done)
    return redirect("reports:report_detail", pk=report.pk)


@login_required
def report_pdf(request: SignedInRequest, pk: str) -> HttpResponse:
    """The released report, watermarked on every page with the recipient and the time. Audited.
    Rendered once and kept encrypted (confidentiality.keptpdf); each download stamps its watermark."""
    from confidentiality.keptpdf import kept_pdf_for_reader
    from reports.models import ReportPdf

    user: User = request.user
    report = report_services.report_get_for(user, pk)
    if report.state != SponsorReport.State.RELEASED or report.approved_version is None:
        raise Http404
    load_data_keys([report.engagement.data_key_id])
    # The released version with its sections in one query: the kept copy's look-up takes the other.
    sections = list(
        ReportSection.objects.filter(version__report=report, version__number=report.approved_version).select_related(
            "category", "version"
        )
    )
    version = sections[0].version if sections else report.versions.get(number=report.approved_version)
    context = {"report": report, "engagement": report.engagement, "version": version, "sections": sections}
    pdf = kept_pdf_for_reader(
        ReportPdf,
        document=report,
        engagement=report.engagement,
        template="pdf/report.html",
        context=context,
        reader=user,
    )
    audit_engagement_event(user, "report.download", report.engagement, report)
    return attachment_response(pdf, content_type="application/pdf", name=f"report-{report.engagement.reference}.pdf")
