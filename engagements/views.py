"""Thin views: parse, ask the selectors and services, render. The policy decides everything."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

import access
from confidentiality.crypto import load_data_keys, remember_data_keys
from confidentiality.downloads import attachment_response
from confidentiality.forms import act_on, errors_to_form
from confidentiality.roles import Role
from consent import forms as consent_forms
from consent import services as consent_services
from engagements import forms, restrictions, selectors, services
from engagements.models import Engagement

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest
    from confidentiality.models import User


def _back(engagement: Engagement, anchor: str = "") -> HttpResponse:
    return redirect(reverse("engagements:detail", args=[engagement.pk]) + (f"#{anchor}" if anchor else ""))


@login_required
def engagement_list(request: SignedInRequest) -> HttpResponse:
    page = Paginator(selectors.engagement_list_for(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "engagements/engagement_list.html", {"page": page})


@login_required
def engagement_detail(request: SignedInRequest, pk: str) -> HttpResponse:
    return _detail_page(request, _engagement_for_page(request, pk))


def _engagement_for_page(request: SignedInRequest, pk: str) -> Engagement:
    """The engagement, with whether its client consents to holding their information (what new work
    waits for), in one query."""
    return selectors.engagement_get_for(
        user=request.user, pk=pk, annotations={"client_consents": consent_services.engagement_client_consents()}
    )


def _detail_page(
    request: SignedInRequest, engagement: Engagement, *, refused: str = "", form: Any = None, what: str = ""
) -> HttpResponse:
    """The engagement's page. After a refused submission (``refused`` names its form) the form is
    shown again as it was sent, open, with the reason beside it: nothing typed is lost, and the page
    says at the top what was not done (``what``)."""
    user: User = request.user
    granted = access.engagement_access_for(user, engagement)
    role = access.role_of(user)
    is_coach = access.EngagementAccess.READ_CONFIDENTIAL in granted
    can_write = access.can_write_confidential(user, engagement)
    can_change = access.can_change_engagement(user)
    # The sessions are read once: the page lists the latest twenty, and the note form offers them all.
    all_sessions = list(selectors.sessions_for(user=user, engagement=engagement)) if can_write else None
    sessions = (
        all_sessions[:20]
        if all_sessions is not None
        else list(selectors.sessions_for(user=user, engagement=engagement)[:20])
    )
    notes = list(selectors.notes_for(user=user, engagement=engagement)[:5])
    documents = list(selectors.documents_for(user=user, engagement=engagement)[:50])
    services.audit_reads(
        actor=user, action="note.read" if is_coach else "shared.read", engagement=engagement, objects=notes
    )
    # Every key the page decrypts, read with the engagement: its own (notes, documents) and the
    # client's (their record, the reason for a restriction), which a sponsor is never shown.
    remember_data_keys(
        ([engagement.data_key] if notes or documents else [])
        + ([engagement.client.data_key] if role != Role.SPONSOR else [])
    )
    reads_agreement = access.can_read_agreements(user, engagement)
    # The agreement in force is read once for all three uses below (it was read three times).
    current = consent_services.current_agreement(engagement) if reads_agreement or can_write or can_change else None
    missing = consent_services.agreement_missing_from(engagement, current)
    # New work needs the agreement in force and the client's consent: until then the page says what
    # is missing instead of offering forms whose every submission would be refused.
    # (The administrator, who runs the engagement, sees it too.)
    work_waits_for = (
        consent_services.work_blockers(
            engagement, agreement_missing_now=missing, client_consents=getattr(engagement, "client_consents", None)
        )
        if can_write or can_change
        else []
    )
    may_work = can_write and not work_waits_for
    can_manage_members = can_change and engagement.status != Engagement.Status.CLOSED
    offered = {
        "session_form": forms.SessionForm() if may_work else None,
        "note_form": forms.NoteForm(
            sessions=selectors.sessions_for(user=user, engagement=engagement), sessions_read=all_sessions
        )
        if may_work
        else None,
        "document_form": forms.DocumentForm() if may_work else None,
        "hard_copy_form": forms.HardCopyForm() if access.can_manage_hard_copies(user, engagement) else None,
        "member_form": forms.MemberAddForm(organisation=engagement.organisation) if can_manage_members else None,
    }
    if refused:
        offered[refused] = form
        messages.error(request, what)
    context = {
        "engagement": engagement,
        "agreement_missing": missing if reads_agreement else None,
        "work_waits_for": work_waits_for,
        "agreement_to_sign": reads_agreement
        and current is not None
        and current.state == "out_for_signature"
        and access.agreement_party(user, engagement) is not None
        and not current.signatures.filter(user=user).exists(),
        "can_record_consent": role in (Role.ADMIN, Role.COACH) and access.can_record_consent_on(user, engagement),
        "role": role,
        "is_coach": is_coach,
        "can_write": can_write,
        "sees_feedback": access.can_see_feedback_at_all(user, engagement),
        "people": selectors.engagement_people_for(user=user, engagement=engagement),
        "client": selectors.client_for_engagement(user=user, engagement=engagement),
        "sessions": sessions,
        "can_see_sessions": access.can_see_sessions(user, engagement),
        "notes": notes,
        "documents": documents,
        "document_metadata": list(selectors.document_metadata_for(user=user, engagement=engagement)[:50]),
        "hard_copies": list(selectors.hard_copies_for(user=user, engagement=engagement)),
        "can_manage_hard_copies": access.can_manage_hard_copies(user, engagement),
        "note_index": list(selectors.note_index_for_admin(user=user, engagement=engagement)[:50]),
        "break_glass_openings": selectors.break_glass_for_coach(user=user, engagement=engagement),
        "can_change": can_change,
        "closes_itself_on": services.closes_itself_on(engagement) if is_coach or role == Role.ADMIN else None,
        "refused": refused,
        # Why nothing can be read or made here (arts. 18, 21): the practice and the client read the
        # reason; a sponsor learns only that the engagement is paused, as for any pause.
        "restriction": restrictions.standing_restriction(engagement.client)
        if engagement.restricted and role != Role.SPONSOR
        else None,
        **offered,
    }
    return render(request, "engagements/engagement_detail.html", context)


def submit_on_page(
    request: SignedInRequest,
    engagement: Engagement,
    *,
    name: str,
    form: Any,
    action: Any,
    refused: str,
    done: Any,
    anchor: str,
) -> HttpResponse:
    """One of the engagement page's forms: done, back to its section; refused, the page again with
    the form as it was sent and the reason beside it (``_detail_page``)."""
    try:
        result = act_on(form, action)
    except PermissionDenied:
        raise Http404 from None
    if result is None:
        return _detail_page(request, engagement, refused=name, form=form, what=refused)
    messages.success(request, done(form.cleaned_data) if callable(done) else done)
    return _back(engagement, anchor)


@login_required
def note_list(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    engagement = selectors.engagement_get_for(user=user, pk=pk)
    notes = selectors.notes_for(user=user, engagement=engagement)
    if not access.has_engagement_access(user, engagement, access.EngagementAccess.READ_SHARED):
        raise Http404
    page = Paginator(notes, 25).get_page(request.GET.get("page"))
    is_coach = access.has_engagement_access(user, engagement, access.EngagementAccess.READ_CONFIDENTIAL)
    services.audit_reads(
        actor=user,
        action="note.read" if is_coach else "shared.read",
        engagement=engagement,
        objects=list(page.object_list),
    )
    return render(
        request,
        "engagements/note_list.html",
        {
            "engagement": engagement,
            "page": page,
            "is_coach": is_coach,
            "can_write": access.can_write_confidential(user, engagement),
        },
    )


@login_required
@require_POST
def session_create(request: SignedInRequest, pk: str) -> HttpResponse:
    engagement = selectors.engagement_get_for(user=request.user, pk=pk)
    if not access.can_write_confidential(request.user, engagement):
        raise Http404
    return submit_on_page(
        request,
        engagement,
        name="session_form",
        form=forms.SessionForm(request.POST),
        action=lambda data: services.session_record(actor=request.user, engagement=engagement, **data),
        refused="The session was not recorded. The reason is beside the form below; what you entered is kept.",
        done="Session recorded.",
        anchor="sessions",
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_setting(request: SignedInRequest, pk: str) -> HttpResponse:
    """Where a session took place and whether the setting was private (policy 002): an incomplete
    session's coach completes it here."""
    session = selectors.session_get_for_change(user=request.user, pk=pk)
    initial = {"place": session.place, "setting_private": session.setting_private}
    form = forms.SessionSettingForm(request.POST or None, initial=initial)
    if request.method == "POST" and act_on(
        form, lambda data: services.session_record_setting(actor=request.user, session=session, **data)
    ):
        messages.success(request, "The session's setting is recorded.")
        return redirect(reverse("engagements:detail", args=[session.engagement_id]) + "#sessions")
    return render(request, "engagements/session_setting.html", {"session": session, "form": form})


@login_required
@require_POST
def note_create(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    engagement = selectors.engagement_get_for(user=user, pk=pk)
    if not access.can_write_confidential(user, engagement):
        raise Http404
    return submit_on_page(
        request,
        engagement,
        name="note_form",
        form=forms.NoteForm(request.POST, sessions=selectors.sessions_for(user=user, engagement=engagement)),
        action=lambda data: services.note_create(actor=user, engagement=engagement, **data),
        refused="The note was not saved. The reason is beside the form below; your text is kept.",
        done=lambda data: (
            "Note saved and shared with the client." if data["shared_with_client"] else "Private note saved."
        ),
        anchor="notes",
    )


@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    note = selectors.note_get_for(user=user, pk=pk, for_change=True)
    if note.shared_with_client and request.method == "GET":
        messages.info(request, services.SHARED_IS_CORRECTED)
        return redirect("engagements:note_view", pk=note.pk)
    form = forms.NoteEditForm(request.POST or None, initial={"body": note.body, "version": note.version})
    conflict_current = None
    if request.method == "POST" and form.is_valid():
        try:
            services.note_update(
                actor=user, note=note, body=form.cleaned_data["body"], expected_version=form.cleaned_data["version"]
            )
        except services.ConflictError as exc:
            note.refresh_from_db()
            conflict_current = note.body
            # Keep the coach's text; the next save is made against the current version.
            data = request.POST.copy()
            data["version"] = str(note.version)
            form = forms.NoteEditForm(data)
            form.is_valid()
            form.add_error(None, exc.messages)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "Note updated.")
            return _back(note.engagement, "notes")
    services.audit_reads(actor=user, action="note.read", engagement=note.engagement, objects=[note])
    return render(
        request,
        "engagements/note_edit.html",
        {"note": note, "form": form, "conflict_current": conflict_current, "engagement": note.engagement},
    )


@login_required
@require_POST
def note_share(request: SignedInRequest, pk: str) -> HttpResponse:
    note = selectors.note_get_for(user=request.user, pk=pk, for_change=True)
    shared = request.POST.get("shared") == "1"
    try:
        seen = int(request.POST.get("version", ""))
    except ValueError:
        seen = -1
    try:
        if shared and request.POST.get("confirm") != "yes":
            raise ValidationError("Nothing was shared: confirm that the client may read this note.")
        services.note_set_shared(actor=request.user, note=note, shared=shared, expected_version=seen)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, "The note is now shared with the client." if shared else "The note is private again.")
    return _back(note.engagement, "notes")


@login_required
def note_view(request: SignedInRequest, pk: str) -> HttpResponse:
    """One note: for a coach, a client (shared), or an administrator holding a break-glass grant."""
    user: User = request.user
    note = selectors.note_get_for(user=user, pk=pk)
    grant = access.active_break_glass(user, note)
    is_coach = access.has_engagement_access(user, note.engagement, access.EngagementAccess.READ_CONFIDENTIAL)
    action = (
        "note.read"
        if is_coach
        else ("shared.read" if note.shared_with_client and not grant else "note.read_break_glass")
    )
    services.audit_reads(actor=user, action=action, engagement=note.engagement, objects=[note])
    return _note_page(request, note, grant=grant, is_coach=is_coach)


def _note_page(
    request: SignedInRequest, note: Any, *, grant: Any, is_coach: bool, form: Any = None, status: int = 200
) -> HttpResponse:
    # The service decides on the correction itself; the page offers it to the note's coach while the
    # engagement is open (no second permission query: the page stays within its query budget).
    can_correct = is_coach and note.engagement.status != note.engagement.Status.CLOSED
    return render(
        request,
        "engagements/note_view.html",
        {
            "note": note,
            "grant": grant,
            "engagement": note.engagement,
            "corrections": list(note.corrections.select_related("author")) if note.corrected_at else [],
            "correction_form": (form or forms.NoteCorrectionForm()) if can_correct else None,
        },
        status=status,
    )


@login_required
@require_POST
def note_correct(request: SignedInRequest, pk: str) -> HttpResponse:
    """Append a correction to a note (its coach): the note stays as written."""
    user: User = request.user
    note = selectors.note_get_for(user=user, pk=pk, for_change=True)
    form = forms.NoteCorrectionForm(request.POST)
    if act_on(form, lambda data: services.note_correct(actor=user, note=note, body=data["body"])):
        messages.success(request, "The correction is added; the note's text stays as written.")
        return redirect("engagements:note_view", pk=note.pk)
    return _note_page(request, note, grant=None, is_coach=True, form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def break_glass(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    if not access.can_break_glass(user):
        raise Http404
    from engagements.models import Note

    note = Note.objects.select_related("engagement").filter(pk=pk).first()
    if note is None:
        raise Http404
    form = forms.BreakGlassForm(request.POST or None)
    if act_on(form, lambda data: services.break_glass_open(actor=user, note=note, reason=data["reason"])):
        return redirect("engagements:note_view", pk=note.pk)
    return render(request, "engagements/break_glass.html", {"note": note, "form": form, "engagement": note.engagement})


@login_required
@require_POST
def document_upload(request: SignedInRequest, pk: str) -> HttpResponse:
    from django.conf import settings

    user: User = request.user
    engagement = selectors.engagement_get_for(user=user, pk=pk)
    if not access.can_write_confidential(user, engagement):
        raise Http404

    def upload(data: dict[str, Any]) -> Any:
        file = data["file"]
        if file.size > settings.DOCUMENT_MAX_BYTES:
            raise ValidationError(
                {"file": f"The file is larger than the limit of {settings.DOCUMENT_MAX_BYTES // (1024 * 1024)} MB."}
            )
        return services.document_upload(
            actor=user,
            engagement=engagement,
            name=file.name or "document",
            content=file.read(),
            shared_with_client=data["shared_with_client"],
            supplied_by_organisation=data["supplied_by_organisation"],
        )

    return submit_on_page(
        request,
        engagement,
        name="document_form",
        form=forms.DocumentForm(request.POST, request.FILES),
        action=upload,
        refused="The file was not uploaded. The reason is beside the form below; choose the file again.",
        done="Document uploaded and stored encrypted.",
        anchor="documents",
    )


@login_required
def document_download(request: SignedInRequest, pk: str) -> HttpResponse:
    document = selectors.document_get_for(user=request.user, pk=pk)
    load_data_keys([document.engagement.data_key_id])
    content = services.document_read(actor=request.user, document=document)
    return attachment_response(content, content_type=document.content_type, name=document.original_name)


@login_required
@require_POST
def hard_copy_create(request: SignedInRequest, pk: str) -> HttpResponse:
    engagement = selectors.engagement_get_for(user=request.user, pk=pk)
    if not access.can_manage_hard_copies(request.user, engagement):
        raise Http404
    return submit_on_page(
        request,
        engagement,
        name="hard_copy_form",
        form=forms.HardCopyForm(request.POST),
        action=lambda data: services.hard_copy_record(actor=request.user, engagement=engagement, **data),
        refused="The hard copy was not recorded. The reason is beside the form below; what you entered is kept.",
        done="Hard copy recorded.",
        anchor="hard-copies",
    )


@login_required
@require_POST
def hard_copy_return(request: SignedInRequest, pk: str) -> HttpResponse:
    from django.utils import timezone

    copy = selectors.hard_copy_get_for(user=request.user, pk=pk)
    try:
        services.hard_copy_mark_returned(actor=request.user, hard_copy=copy, returned_on=timezone.localdate())
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(
            request, f"Marked as returned to {'the client' if copy.engagement.is_private else 'the organisation'}."
        )
    return _back(copy.engagement, "hard-copies")


@login_required
def client_list(request: SignedInRequest) -> HttpResponse:
    page = Paginator(selectors.client_list_for(user=request.user), 50).get_page(request.GET.get("page"))
    # One query unwraps every key the page needs, instead of one per client.
    load_data_keys(client.data_key_id for client in page.object_list)
    selectors.audit_client_reads(user=request.user, clients=list(page.object_list))
    from confidentiality.invitations import with_waiting_invitations

    with_waiting_invitations(list(page.object_list), lambda client: client.user_id)
    return render(request, "engagements/client_list.html", {"page": page})


@login_required
def access_log(request: SignedInRequest) -> HttpResponse:
    """'Who has read my file': every access to the client's records by a person."""
    if not access.can_see_own_access_log(request.user):
        raise Http404
    return render(request, "engagements/access_log.html", {"rows": selectors.access_log_for_client(user=request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def consent_create(request: SignedInRequest, pk: str) -> HttpResponse:
    """Record a consent for the client of an engagement (administrator or the coach on it)."""
    user: User = request.user
    engagement = access.engagement_get_for(user, pk)
    client = engagement.client
    if not access.can_record_consent(user, client) or access.role_of(user) not in (Role.ADMIN, Role.COACH):
        raise Http404
    form = consent_forms.ConsentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with services.atomic_with_uploads():
                evidence = None
                if data["evidence"] is not None:
                    evidence = services.consent_evidence_upload(
                        actor=user,
                        engagement=engagement,
                        kind=data["kind"],
                        name=data["evidence"].name,
                        content=data["evidence"].read(),
                    )
                consent_services.consent_record(
                    actor=user,
                    client=client,
                    engagement=engagement,
                    kind=data["kind"],
                    wording=data["wording"],
                    method=data["method"],
                    evidence=evidence,
                )
        except (ValidationError, PermissionDenied) as exc:
            errors_to_form(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            messages.success(request, "Consent recorded.")
            return redirect("engagements:detail", pk=engagement.pk)
    return render(request, "engagements/consent_form.html", {"form": form, "engagement": engagement})
