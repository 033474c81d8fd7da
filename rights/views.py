"""Pages of subject access: thin; the access policy and retention.subject_access decide.

A client asks for a copy of their information, a sponsor contact for their organisation's;
the administrator keeps the register, opens requests on someone's behalf, builds the copy,
checks its contents page (counts only) and releases it; the requester downloads it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

import access
from confidentiality.crypto import load_data_keys
from confidentiality.dates import day
from confidentiality.forms import act_on, errors_to_form
from confidentiality.roles import Role
from engagements.selectors import audit_client_reads
from rights import exports
from rights import services as sar
from rights.forms import (
    AnswerForm,
    CorrectionForm,
    ExtendForm,
    LiftForm,
    OnBehalfForm,
    OrganisationChoiceForm,
    RedactForm,
    RefuseForm,
    RestrictForm,
    RightForm,
    WithholdFileForm,
)
from rights.models import Right, SubjectAccessExport, SubjectAccessRequest

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest
    from confidentiality.models import User


def _get(request: SignedInRequest, pk: Any) -> SubjectAccessRequest:
    return access.subject_access_request_get_for(request.user, pk)


def _require_runner(request: SignedInRequest) -> None:
    if not access.can_run_subject_access(request.user):
        raise Http404


# --- lists ----------------------------------------------------------------------------------


def portability_schema(request: HttpRequest) -> JsonResponse:
    """The published schema of a portability file (``rights.portability``): public, it holds no one's data."""
    from rights.portability import schema

    return JsonResponse(schema(), json_dumps_params={"indent": 2})


@login_required
def request_list(request: SignedInRequest) -> HttpResponse:
    """The administrator's register; a client's or sponsor contact's own requests."""
    user: User = request.user
    if not access.can_request_subject_access(user):
        raise Http404
    if access.can_run_subject_access(user):
        return _register(request)
    return _own_list(request)


RIGHTS_FORM = "other_rights"


def _own_list(request: SignedInRequest, right_form: RightForm | None = None, status: int = 200) -> HttpResponse:
    """A client's or sponsor contact's own requests, and the form to make one."""
    user: User = request.user
    role = access.role_of(user)
    items = list(sar.requests_for(user=user)[:100])
    organisations = access.sponsor_organisations_of(user) if role == Role.SPONSOR else None
    return render(
        request,
        "rights/sar_list.html",
        {
            "rows": sar.deadline_rows(items),
            "is_sponsor": role == Role.SPONSOR,
            "organisation_form": OrganisationChoiceForm(organisations=organisations)
            if organisations is not None and organisations.count() > 1
            else None,
            "right_form": None if role == Role.SPONSOR else right_form or RightForm(),
            "download_days": _download_days(),
        },
        status=status,
    )


def _download_days() -> int:
    from django.conf import settings

    return int(settings.SUBJECT_ACCESS_DOWNLOAD_DAYS)


def _register(request: SignedInRequest) -> HttpResponse:
    state = request.GET.get("state", "open")
    if state not in sar.REGISTER_FILTERS:
        state = "open"
    page = Paginator(sar.requests_for(user=request.user, state=state), 50).get_page(request.GET.get("page"))
    items = list(page.object_list)
    # One query for every client's key on the page, then their names decrypt without more;
    # reading them is a read of each client's file, so it shows in their access log.
    clients = [r.client for r in items if r.client is not None]
    load_data_keys([c.data_key_id for c in clients])
    audit_client_reads(user=request.user, clients=clients)
    rows = [(row, sar.subject_label(row.request)) for row in sar.deadline_rows(items)]
    return render(
        request,
        "rights/sar_register.html",
        {"page": page, "rows": rows, "state": state, "states": sar.REGISTER_FILTERS},
    )


# --- opening --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: SignedInRequest) -> HttpResponse:
    user: User = request.user
    if not access.can_request_subject_access(user):
        raise Http404
    if access.can_run_subject_access(user):
        return _on_behalf(request)
    if request.method != "POST":
        return redirect("subject_access:list")
    organisation = None
    if access.role_of(user) == Role.SPONSOR and request.POST.get("organisation"):
        form = OrganisationChoiceForm(request.POST, organisations=access.sponsor_organisations_of(user))
        if not form.is_valid():
            raise Http404
        organisation = form.cleaned_data["organisation"]
    # The copy's own button sends nothing; the other rights come with their form (marked, so that a
    # request sent without choosing a right is refused with what was typed, not taken for a copy).
    right_form = RightForm(request.POST) if request.POST.get("form") == RIGHTS_FORM else None
    if right_form is not None and not right_form.is_valid():
        return _own_list(request, right_form, status=400)
    asked = right_form.cleaned_data if right_form is not None else {"right": Right.ACCESS, "details": ""}
    try:
        opened = sar.subject_access_request_open(
            actor=user, organisation=organisation, right=asked["right"], details=asked["details"]
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        if right_form is None:  # the copy's one button: no form to show the error on
            for message in exc.messages:
                messages.error(request, message)
            return redirect("subject_access:list")
        # What was typed stays in the form, with the reason beside it.
        errors_to_form(right_form, exc)
        return _own_list(request, right_form, status=400)
    messages.success(
        request,
        f"Your request {opened.reference} is received. The practice will answer by {day(opened.deadline_on)}.",
    )
    return redirect("subject_access:detail", pk=opened.pk)


def _on_behalf(request: SignedInRequest) -> HttpResponse:
    from confidentiality.models import User
    from engagements.models import Client

    user: User = request.user
    # From the clients' list, for a client without a sign-in: the client is named by id.
    initial_client = request.GET.get("client", "")
    form = OnBehalfForm(
        request.POST or None,
        organisations=access.organisations_visible_to(user),
        initial={"received_on": timezone.localdate(), "client_id": initial_client},
    )
    named = _named_client(form.data.get("client_id") or initial_client)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        client = organisation = requester = None
        if data["subject_kind"] == "client":
            if data.get("client_id"):
                client = named
                if client is None:
                    form.add_error("client_email", "This client is no longer on the practice's records.")
            else:
                client = Client.objects.filter(user__email=data["client_email"].strip().lower()).first()
                if client is None:
                    form.add_error("client_email", "No client signs in with this e-mail address.")
        else:
            organisation = data["organisation"]
            requester = User.objects.filter(email=data["contact_email"].strip().lower()).first()
            if requester is None:
                form.add_error("contact_email", "No one signs in with this e-mail address.")
        if not form.errors:
            try:
                opened = sar.subject_access_request_open(
                    actor=user,
                    client=client,
                    organisation=organisation,
                    requester=requester,
                    received_on=data["received_on"],
                    right=data["right"],
                    details=data["details"],
                    received_by=data["received_by"],
                    evidence=data["evidence"],
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                told = "the answer goes by post" if opened.by_post else "the requester has been told"
                messages.success(request, f"Request {opened.reference} recorded: {told}.")
                return redirect("subject_access:detail", pk=opened.pk)
    return render(request, "rights/sar_new.html", {"form": form, "named": named}, status=400 if form.errors else 200)


def _named_client(value: Any) -> Any:
    """The client a request is recorded for, named by id (the clients' list links here), or None."""
    import uuid

    from engagements.models import Client

    try:
        pk = uuid.UUID(str(value))
    except ValueError:
        return None
    client = Client.objects.filter(pk=pk).first()
    if client is not None:
        load_data_keys([client.data_key_id])
    return client


# --- one request ----------------------------------------------------------------------------


def _detail(request: SignedInRequest, item: SubjectAccessRequest, status: int = 200, **forms: Any) -> HttpResponse:
    user: User = request.user
    is_admin = access.can_run_subject_access(user)
    export = sar.export_of(item)
    restriction = sar.restriction_of(item)
    if item.client is not None and (is_admin or restriction is not None):
        load_data_keys([item.client.data_key_id])  # the restriction's reason is the client's to read too
    if is_admin and item.client is not None:
        audit_client_reads(user=user, clients=[item.client])
    now = timezone.now()
    downloadable = (
        access.can_download_subject_access_export(user, item)
        and item.state == SubjectAccessRequest.State.COMPLETED
        and export is not None
        and export.expires_at is not None
        and export.expires_at > now
    )
    context = {
        "sar": item,
        "export": export,
        "row": sar.deadline_rows([item])[0],
        "is_admin": is_admin,
        "subject": sar.subject_label(item) if is_admin else "",
        "building": export is not None
        and export.state in (SubjectAccessExport.State.QUEUED, SubjectAccessExport.State.BUILDING),
        "downloadable": downloadable,
        "expired": item.state == SubjectAccessRequest.State.COMPLETED and not downloadable,
        "can_extend": is_admin
        and item.is_open
        and item.extension_months < sar.MAX_EXTENSION_MONTHS
        and timezone.localdate() <= item.due_on,
        "extend_form": forms.get("extend_form") or ExtendForm(),
        "refuse_form": forms.get("refuse_form") or RefuseForm(),
        "download_days": _download_days(),
        # The other rights: what was asked, the details corrected (earlier values kept), the answer.
        "earlier_values": sar.earlier_values_of(item),
        "has_letter": sar.has_letter(item),
        "can_correct": is_admin and item.is_open and item.right == Right.RECTIFICATION,
        "can_answer": is_admin and item.is_open and not item.makes_a_copy,
        "correction_form": forms.get("correction_form") or _correction_form(item),
        "answer_form": forms.get("answer_form") or AnswerForm(),
        # Before answering an erasure: what would go, and what must stay and why (counts, one query).
        "erasure": _erasure_preview(item) if is_admin and item.is_open and item.right == Right.ERASURE else None,
        "erased_client_days": settings.RETENTION_ERASED_CLIENT_DAYS,
        # Restriction and objection: processing paused until lifted (the client reads it too).
        "restriction": restriction,
        "can_restrict": is_admin and item.is_open and item.right in sar.PAUSES and restriction is None,
        "can_lift": is_admin and restriction is not None and restriction.lifted_at is None,
        "restrict_form": forms.get("restrict_form") or RestrictForm(),
        "lift_form": forms.get("lift_form") or LiftForm(),
        # A client without a sign-in: the answer posted, or collected through a single-use link.
        **(_link_context(item, forms.get("collection_code", "")) if is_admin and item.by_post else {}),
    }
    return render(request, "rights/sar_detail.html", context, status=status)


def _link_context(item: SubjectAccessRequest, code: str) -> dict[str, Any]:
    from rights import links

    answer_link = links.latest_link(item)
    return {
        "answer_link": answer_link,
        "collected": answer_link is not None and answer_link.used_at is not None,
        "link_refused": links.why_not(item),
        "collection_code": code,
        "code_attempts": links.CODE_ATTEMPTS,
        "link_days": settings.RIGHTS_ANSWER_LINK_DAYS,
    }


def _erasure_preview(item: SubjectAccessRequest) -> Any:
    from rights.erasure import preview

    return preview(item.client)


def _correction_form(item: SubjectAccessRequest) -> CorrectionForm | None:
    if item.right != Right.RECTIFICATION or item.client is None:
        return None
    client = item.client
    return CorrectionForm(initial={field: getattr(client, field) for field in sar.CORRECTABLE})


@login_required
def request_detail(request: SignedInRequest, pk: str) -> HttpResponse:
    return _detail(request, _get(request, pk))


@login_required
def request_status(request: SignedInRequest, pk: str) -> JsonResponse:
    """What the page's progress bar polls: state and progress, never content."""
    item = _get(request, pk)
    export = sar.export_of(item)
    return JsonResponse(
        {
            "state": item.state,
            "state_label": item.get_state_display(),
            "export_state": export.state if export else None,
            "progress": export.progress if export else 0,
            "step": export.step if export else "",
        }
    )


@login_required
@require_POST
def request_start(request: SignedInRequest, pk: str) -> HttpResponse:
    item = _get(request, pk)
    _require_runner(request)
    try:
        sar.subject_access_export_start(actor=request.user, request=item)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "The copy is being made. This page shows its progress.")
    return redirect("subject_access:detail", pk=item.pk)


def _administrators_form(
    request: SignedInRequest,
    pk: str,
    form_class: type[Any],
    form_key: str,
    action: Callable[[SubjectAccessRequest, dict[str, Any]], Any],
    done: Callable[[Any], str],
) -> HttpResponse:
    """One of the administrator's forms on a request's page: done, back to the page with what was
    done; refused, the page again with the form as typed and the reason beside it (400)."""
    item = _get(request, pk)
    _require_runner(request)
    form = form_class(request.POST)
    result = act_on(form, lambda data: action(item, data))
    if result:
        messages.success(request, done(result))
        return redirect("subject_access:detail", pk=item.pk)
    return _detail(request, item, status=400, **{form_key: form})


@login_required
@require_POST
def request_extend(request: SignedInRequest, pk: str) -> HttpResponse:
    return _administrators_form(
        request,
        pk,
        ExtendForm,
        "extend_form",
        lambda item, data: sar.subject_access_extend(
            actor=request.user, request=item, months=data["months"], reason=data["reason"]
        ),
        lambda _: "The deadline is extended and the requester has been told why.",
    )


@login_required
@require_POST
def request_refuse(request: SignedInRequest, pk: str) -> HttpResponse:
    return _administrators_form(
        request,
        pk,
        RefuseForm,
        "refuse_form",
        lambda item, data: sar.subject_access_refuse(actor=request.user, request=item, reason=data["reason"]),
        lambda _: "The request is refused and the requester has been told why.",
    )


@login_required
@require_POST
def request_correct(request: SignedInRequest, pk: str) -> HttpResponse:
    """Correct the client's details for a correction request: the earlier values are kept."""
    return _administrators_form(
        request,
        pk,
        CorrectionForm,
        "correction_form",
        lambda item, data: sar.rectification_apply(actor=request.user, request=item, corrected=data),
        lambda changed: f"Corrected: {', '.join(changed).lower()}. The earlier values are kept with this request.",
    )


@login_required
@require_POST
def request_answer(request: SignedInRequest, pk: str) -> HttpResponse:
    return _administrators_form(
        request,
        pk,
        AnswerForm,
        "answer_form",
        lambda item, data: sar.right_answer(actor=request.user, request=item, outcome=data["outcome"]),
        lambda _: "The request is answered. The requester has been told to read the letter.",
    )


@login_required
@require_POST
def request_restrict(request: SignedInRequest, pk: str) -> HttpResponse:
    """Pause the processing of the client's records for a restriction or an objection."""
    return _administrators_form(
        request,
        pk,
        RestrictForm,
        "restrict_form",
        lambda item, data: sar.restriction_place(actor=request.user, request=item, reason=data["reason"]),
        lambda _: "Processing of the client's records is paused. Their engagements say why.",
    )


@login_required
@require_POST
def request_lift(request: SignedInRequest, pk: str) -> HttpResponse:
    return _administrators_form(
        request,
        pk,
        LiftForm,
        "lift_form",
        lambda item, data: sar.restriction_lift(actor=request.user, request=item, reason=data["lift_reason"]),
        lambda _: "The restriction is lifted. The client has been told why.",
    )


@login_required
def request_copy(request: SignedInRequest, pk: str) -> HttpResponse:
    """The copy as the requester will read it, for the administrator to read before releasing it:
    its text in full (the read goes into the client's access log), what is withheld and why."""
    item = _get(request, pk)
    _require_runner(request)
    if item.client is not None:
        load_data_keys([item.client.data_key_id])
    try:
        copy = sar.copy_for_review(actor=request.user, request=item)
    except ValidationError:
        raise Http404 from None
    return _copy_page(request, item, copy, RedactForm())


def _copy_page(
    request: SignedInRequest,
    item: SubjectAccessRequest,
    copy: Any,
    form: Any,
    status: int = 200,
    file_form: Any = None,
) -> HttpResponse:
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    sections = [
        (key, json.dumps(value, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))
        for key, value in copy["document"].items()
        if key not in ("format", "request", "generated_at", "subject")
    ]
    # Each file in the copy, with the document it is (a whole file may be withheld).
    records = {
        item["file"]: item.get("record_id", "")
        for item in copy["document"].get("documents", [])
        if isinstance(item, dict) and item.get("file")
    }
    files = [(name, records.get(name, "")) for name in copy["files"]]
    return render(
        request,
        "rights/sar_copy.html",
        {
            "sar": item,
            "sections": sections,
            "files": files,
            "redactions": list(item.redactions.select_related("created_by")),
            "withheld_files": list(item.withheld_files.select_related("created_by")),
            "form": form,
            "file_form": file_form,  # given only when withholding a file was refused
        },
        status=status,
    )


@login_required
@require_POST
def request_redact(request: SignedInRequest, pk: str) -> HttpResponse:
    """Withhold a third party's details from the copy: it is made again without them."""
    return _withhold(
        request,
        pk,
        RedactForm(request.POST),
        lambda item, data: sar.redaction_add(
            actor=request.user, request=item, phrase=data["phrase"], reason=data["reason"]
        ),
    )


@login_required
@require_POST
def request_withhold_file(request: SignedInRequest, pk: str) -> HttpResponse:
    """Withhold a whole file from the copy, with the reason: it is made again without it."""
    return _withhold(
        request,
        pk,
        WithholdFileForm(request.POST),
        lambda item, data: sar.file_withhold(
            actor=request.user, request=item, document_id=data["document"], reason=data["reason"]
        ),
    )


def _withhold(
    request: SignedInRequest,
    pk: str,
    form: Any,
    action: Callable[[SubjectAccessRequest, dict[str, Any]], Any],
) -> HttpResponse:
    """Withhold words or a file: done, back to the request, the copy being made again; refused, the
    copy's page again with what was typed and the reason beside it (400)."""
    item = _get(request, pk)
    _require_runner(request)
    if act_on(form, lambda data: action(item, data)):
        messages.success(request, "Withheld. The copy is being made again: read it again before releasing it.")
        return redirect("subject_access:detail", pk=item.pk)
    if item.client is not None:
        load_data_keys([item.client.data_key_id])
    try:
        copy = sar.copy_for_review(actor=request.user, request=item)
    except ValidationError:
        for message in [str(m) for errors in form.errors.values() for m in errors]:
            messages.error(request, message)
        return _detail(request, item, status=400)
    if isinstance(form, WithholdFileForm):  # the page's words form stays empty, the file's shows why
        page: HttpResponse = _copy_page(request, item, copy, RedactForm(), status=400, file_form=form)
    else:
        page = _copy_page(request, item, copy, form, status=400)
    return page


@login_required
@require_POST
def request_posted(request: SignedInRequest, pk: str) -> HttpResponse:
    """The answer to a client without a sign-in was posted."""
    item = _get(request, pk)
    _require_runner(request)
    try:
        sar.subject_access_mark_posted(actor=request.user, request=item)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _detail(request, item, status=400)
    messages.success(request, "Marked posted.")
    return redirect("subject_access:detail", pk=item.pk)


@login_required
def request_letter(request: SignedInRequest, pk: str) -> HttpResponse:
    """The outcome letter (PDF): what was asked, what the practice did or why it refused, and the
    right to complain to the regulator. The requester's and the administrator's; audited."""
    from confidentiality.audit import audit_record
    from confidentiality.downloads import attachment_response
    from confidentiality.pdf import render_pdf

    item = _get(request, pk)
    if not sar.has_letter(item):
        raise Http404
    if item.client is not None:
        load_data_keys([item.client.data_key_id])
    pdf = render_pdf("rights/letter_pdf.html", sar.letter_context(item), reader=request.user)
    audit_record(actor=request.user, action="rights.letter.download", obj=item, client_id=item.client_id)
    return attachment_response(pdf, content_type="application/pdf", name=f"letter-{item.reference}.pdf")


@login_required
@require_POST
def request_release(request: SignedInRequest, pk: str) -> HttpResponse:
    item = _get(request, pk)
    _require_runner(request)
    try:
        sar.subject_access_release(actor=request.user, request=item, reviewed=request.POST.get("reviewed") == "on")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "The copy is released. The requester has been told to download it.")
    return redirect("subject_access:detail", pk=item.pk)


@login_required
def request_download(request: SignedInRequest, pk: str) -> HttpResponseBase:
    item = _get(request, pk)
    try:
        export = sar.export_download(actor=request.user, request=item)
    except sar.ExportUnavailable as exc:
        return render(
            request,
            "rights/sar_unavailable.html",
            {"sar": item, "message": str(exc)},
            status=410 if exc.gone else 409,
        )
    return streaming_zip(item, export)


def streaming_zip(item: SubjectAccessRequest, export: SubjectAccessExport) -> StreamingHttpResponse:
    """The ZIP, decrypted a chunk at a time as it is sent: memory stays flat whatever its size."""
    response = StreamingHttpResponse(exports.iter_plaintext(export), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{sar.download_name(item)}"'
    response["Content-Length"] = str(export.size)
    response["X-Content-Type-Options"] = "nosniff"
    return response
