"""Pages of the financial records. Thin: the policy decides who sees what, the selectors read,
the services write. Every read is audited: who looked, at what (filters, numbers), never amounts
or names."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

import access
from confidentiality.audit import audit_record
from confidentiality.downloads import attachment_response
from confidentiality.records import record_label
from confidentiality.roles import Role
from finance import selectors, services, tables
from finance.chart import income_chart
from finance.forms import AuditForm, CreditNoteForm, FinanceFilterForm, InvoiceForm, IssueForm, LineFormSet, PaymentForm
from finance.models import CreditNote, Invoice, Payment

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInRequest
    from confidentiality.models import User

BLANK_LINES = 3


def _require_read(request: SignedInRequest) -> User:
    user: User = request.user
    if access.finance_access_for(user) < access.FinanceAccess.READ:
        if access.role_of(user) == Role.AUDITOR:
            # Say why, still as a 404: outside an audit window no financial record exists for them.
            raise _NoAudit
        raise Http404
    return user


class _NoAudit(Http404):
    pass


def _no_audit_page(request: SignedInRequest) -> HttpResponse:
    from finance.selectors import audits_of

    return render(request, "finance/no_audit.html", {"audits": audits_of(user=request.user)[:5]}, status=404)


def finance_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed in; an auditor outside their window gets a page that says so (still a 404)."""

    @login_required
    def wrapped(request: SignedInRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except _NoAudit:
            return _no_audit_page(request)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _audit_read(user: User, action: str, *, obj: Any = None, object_type: str = "", **detail: Any) -> None:
    # A private client's invoice names them: its reading is a read of their file (their access log).
    client_id = obj.engagement.client_id if isinstance(obj, Invoice) and obj.is_private and obj.engagement else None
    audit_record(actor=user, action=action, obj=obj, object_type=object_type, client_id=client_id, detail=detail)


def _filters(request: SignedInRequest, user: User) -> tuple[FinanceFilterForm, selectors.FinanceFilter | None]:
    params = request.GET.copy()
    params.pop("after", None)
    params.pop("format", None)
    form = FinanceFilterForm(params if params else None, organisations=access.finance_organisations_for(user))
    if not form.is_bound:
        return form, selectors.FinanceFilter()
    if not form.is_valid():
        return form, None
    return form, form.to_filter()


def _querystring(request: SignedInRequest, **changes: str) -> str:
    params = request.GET.copy()
    params.pop("after", None)
    params.pop("format", None)
    for key, value in changes.items():
        params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else ""


def _csv_response(columns: tuple[tables.Column, ...], records: Iterable[Any], name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(tables.csv_lines(columns, records), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _file_name(kind: str, filters: selectors.FinanceFilter) -> str:
    parts = [kind]
    if filters.date_from:
        parts.append(f"from-{filters.date_from.isoformat()}")
    if filters.date_to:
        parts.append(f"to-{filters.date_to.isoformat()}")
    return "-".join(parts) + ".csv"


# --- the overview: totals, aged debt, income by month -------------------------------------------


@finance_page
def overview(request: SignedInRequest) -> HttpResponseBase:
    user = _require_read(request)
    form, filters = _filters(request, user)
    context: dict[str, Any] = {
        "form": form,
        "querystring": _querystring(request),
        "csv_querystring": _querystring(request, format="csv"),
        "can_write": access.can_write_finance(user),
    }
    if filters is None:
        return render(request, "finance/overview.html", {**context, "summary": None}, status=400)
    summary = selectors.summary_for(user=user, filters=filters)
    if request.GET.get("format") == "csv":
        _audit_read(user, "finance.summary.export", object_type="finance.invoice", **filters.as_detail())
        return _csv_response(SUMMARY_COLUMNS, _summary_rows(summary), _file_name("finance-summary", filters))
    _audit_read(user, "finance.summary.read", object_type="finance.invoice", **filters.as_detail())
    charts = [(entry, income_chart(entry.months)) for entry in summary.currencies]
    return render(request, "finance/overview.html", {**context, "summary": summary, "charts": charts})


SUMMARY_COLUMNS = (
    tables.Column("Section", lambda r: r[0]),
    tables.Column("Currency", lambda r: r[1]),
    tables.Column("Period or group", lambda r: r[2]),
    tables.Column("Invoices", lambda r: r[3]),
    tables.Column("Invoiced", lambda r: r[4], numeric=True),
    tables.Column("Paid or received", lambda r: r[5], numeric=True),
    tables.Column("Credited", lambda r: r[6], numeric=True),
    tables.Column("Outstanding", lambda r: r[7], numeric=True),
)


def _summary_rows(summary: selectors.Summary) -> Iterable[tuple[Any, ...]]:
    """The overview as one table: the totals, the aged debt, then each month; as on the page."""
    for entry in summary.currencies:
        yield (
            "Totals",
            entry.currency,
            summary.filters.period_label,
            entry.invoice_count,
            entry.invoiced,
            entry.paid,
            entry.credited,
            entry.outstanding,
        )
        for bucket in entry.aged:
            yield ("Aged debt", entry.currency, bucket.label, bucket.count, None, None, None, bucket.outstanding)
        for month in entry.months:
            yield (
                "By month",
                entry.currency,
                f"{month.month:%Y-%m}",
                None,
                month.invoiced,
                month.received,
                month.credited,
                None,
            )


# --- lists ----------------------------------------------------------------------------------------


def _list_page(
    request: SignedInRequest,
    *,
    kind: str,
    model: type[Model],
    page_for: Callable[..., selectors.Page],
    all_for: Callable[..., Iterable[Any]],
    template: str,
    extra: Callable[[Any, selectors.FinanceFilter], dict[str, Any]] | None = None,
) -> HttpResponseBase:
    user = _require_read(request)
    form, filters = _filters(request, user)
    columns = tables.columns_for(model, payer=access.is_payer(user))
    context: dict[str, Any] = {"form": form, "columns": columns, "querystring": _querystring(request)}
    context["can_write"] = access.can_write_finance(user)
    if filters is None:
        return render(request, template, {**context, "rows": [], "invalid": True}, status=400)
    object_type = record_label(model)
    if request.GET.get("format") == "csv":
        _audit_read(user, f"finance.{kind}.export", object_type=object_type, **filters.as_detail())
        return _csv_response(columns, all_for(user=user, filters=filters), _file_name(kind, filters))
    try:
        page = page_for(user=user, filters=filters, cursor=request.GET.get("after"))
    except ValidationError:
        messages.error(request, "That page link is not valid; here is the first page.")
        page = page_for(user=user, filters=filters, cursor=None)
    shown = [getattr(row, "number", None) or str(row.pk) for row in page.rows]
    _audit_read(
        user,
        f"finance.{kind}.read",
        object_type=object_type,
        rows=len(page.rows),
        first=str(shown[0]) if shown else "",
        last=str(shown[-1]) if shown else "",
        **filters.as_detail(),
    )
    context.update(
        {
            "rows": tables.page_rows(columns, page.rows),
            "page": page,
            "next_querystring": _querystring(request, after=page.next_cursor) if page.next_cursor else "",
            "csv_querystring": _querystring(request, format="csv"),
        }
    )
    if extra is not None:
        context.update(extra(user, filters))
    return render(request, template, context)


def _invoice_extra(user: User, filters: selectors.FinanceFilter) -> dict[str, Any]:
    extra: dict[str, Any] = {"drafts": selectors.drafts_for(user=user)}
    if access.is_payer(user):
        # A payer's one question: what do we owe? Their organisation's records only, or the private client's own.
        extra["summary"] = selectors.summary_for(user=user, filters=filters)
    return extra


@finance_page
def invoice_list(request: SignedInRequest) -> HttpResponseBase:
    return _list_page(
        request,
        kind="invoices",
        model=Invoice,
        page_for=selectors.invoice_page_for,
        all_for=selectors.invoices_in_order,
        template="finance/invoice_list.html",
        extra=_invoice_extra,
    )


@finance_page
def payment_list(request: SignedInRequest) -> HttpResponseBase:
    return _list_page(
        request,
        kind="payments",
        model=Payment,
        page_for=selectors.payment_page_for,
        all_for=selectors.payments_in_order,
        template="finance/payment_list.html",
    )


@finance_page
def credit_note_list(request: SignedInRequest) -> HttpResponseBase:
    return _list_page(
        request,
        kind="credit_notes",
        model=CreditNote,
        page_for=selectors.credit_note_page_for,
        all_for=selectors.credit_notes_in_order,
        template="finance/credit_note_list.html",
    )


# --- one invoice ------------------------------------------------------------------------------------


@finance_page
def invoice_detail(request: SignedInRequest, pk: str) -> HttpResponse:
    user = _require_read(request)
    invoice = selectors.invoice_get_for(user=user, pk=pk)
    paid, credited, outstanding = selectors.balance_of(invoice)
    _audit_read(user, "finance.invoice.read", obj=invoice)
    can_write = access.can_write_finance(user)
    return render(
        request,
        "finance/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": list(invoice.lines.all()),
            "payments": list(invoice.payments.order_by("received_on", "created_at")),
            "credit_notes": list(invoice.credit_notes.order_by("number")),
            "paid": paid,
            "credited": credited,
            "outstanding": outstanding,
            "state": tables.invoice_state_text(invoice),
            "can_write": can_write,
            "is_open": invoice.state in Invoice.OPEN_STATES,
            "issue_form": IssueForm() if can_write and invoice.is_draft else None,
        },
    )


@finance_page
def invoice_pdf(request: SignedInRequest, pk: str) -> HttpResponse:
    """The issued invoice as a PDF, watermarked with who downloaded it and when. Audited."""
    from confidentiality.pdf import render_pdf

    user = _require_read(request)
    invoice = selectors.invoice_get_for(user=user, pk=pk)
    if invoice.is_draft:
        raise Http404
    paid, credited, outstanding = selectors.balance_of(invoice)
    from confidentiality.practice import supplier_snapshot

    pdf = render_pdf(
        "finance/invoice_pdf.html",
        {
            "invoice": invoice,
            # As the practice was when it was issued (an invoice issued before this was kept: as it is now).
            "supplier": invoice.supplier or supplier_snapshot(),
            "lines": list(invoice.lines.all()),
            "credit_notes": list(invoice.credit_notes.order_by("number")),
            "paid": paid,
            "credited": credited,
            "outstanding": outstanding,
        },
        reader=user,
    )
    _audit_read(user, "finance.invoice.download", obj=invoice)
    return attachment_response(pdf, content_type="application/pdf", name=f"invoice-{invoice.reference}.pdf")


# --- the administrator's writes ---------------------------------------------------------------------


def _require_write(request: SignedInRequest) -> User:
    user: User = request.user
    access.require_finance_write(user)  # 403 to those who only read, 404 to everyone else
    return user


def _invoice_forms(request: SignedInRequest, user: User, invoice: Invoice | None) -> tuple[InvoiceForm, Any]:
    from engagements.models import Organisation

    organisations = Organisation.objects.order_by("name")
    engagements = access.engagements_visible_to(user).order_by("reference")
    if request.method == "POST":
        form = InvoiceForm(request.POST, organisations=organisations, engagements=engagements)
        lines = LineFormSet(request.POST, prefix="lines")
        return form, lines
    initial_lines: list[dict[str, Any]] = []
    initial: dict[str, Any] = {}
    if invoice is not None:
        initial = {
            "organisation": invoice.organisation_id,
            "engagement": invoice.engagement_id,
            "currency": invoice.currency,
            "payment_terms_days": invoice.payment_terms_days,
        }
        initial_lines = [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "tax_rate": line.tax_rate,
            }
            for line in invoice.lines.all()
        ]
    initial_lines += [{"tax_rate": 20}] * BLANK_LINES
    form = InvoiceForm(initial=initial, organisations=organisations, engagements=engagements)
    return form, LineFormSet(initial=initial_lines, prefix="lines")


def _save_invoice(request: SignedInRequest, user: User, invoice: Invoice | None) -> HttpResponse:
    form, lines = _invoice_forms(request, user, invoice)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        entered = [line for line in (f.to_line() for f in lines.forms) if line is not None]
        data = form.cleaned_data
        fields = {
            "organisation": data["organisation"],
            "engagement": data.get("engagement"),
            "currency": data["currency"],
            "payment_terms_days": data["payment_terms_days"],
            "lines": entered,
        }
        try:
            if invoice is None:
                saved = services.invoice_create(actor=user, **fields)
            else:
                saved = services.invoice_update(actor=user, invoice=invoice, **fields)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "The draft is saved. Check it, then issue it.")
            return redirect("finance:invoice_detail", pk=saved.pk)
    title = "New invoice" if invoice is None else f"Change {invoice.reference}"
    return render(
        request, "finance/invoice_form.html", {"form": form, "lines": lines, "title": title, "invoice": invoice}
    )


@finance_page
@require_http_methods(["GET", "POST"])
def invoice_create(request: SignedInRequest) -> HttpResponse:
    user = _require_write(request)
    return _save_invoice(request, user, None)


def _writable_invoice(request: SignedInRequest, pk: str) -> tuple[User, Invoice]:
    user: User = request.user
    invoice = selectors.invoice_get_for(user=user, pk=pk)  # 404 outside need-to-know
    _require_write(request)  # 403 for those who may only read it
    return user, invoice


@finance_page
@require_http_methods(["GET", "POST"])
def invoice_edit(request: SignedInRequest, pk: str) -> HttpResponse:
    user, invoice = _writable_invoice(request, pk)
    if not invoice.is_draft:
        messages.error(request, services.ISSUED_IS_FINAL)
        return redirect("finance:invoice_detail", pk=invoice.pk)
    return _save_invoice(request, user, invoice)


@finance_page
@require_POST
def invoice_delete(request: SignedInRequest, pk: str) -> HttpResponse:
    user, invoice = _writable_invoice(request, pk)
    try:
        services.invoice_delete(actor=user, invoice=invoice)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("finance:invoice_detail", pk=invoice.pk)
    messages.success(request, "The draft was deleted.")
    return redirect("finance:invoice_list")


@finance_page
@require_POST
def invoice_issue(request: SignedInRequest, pk: str) -> HttpResponse:
    user, invoice = _writable_invoice(request, pk)
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the issue date as a date.")
        return redirect("finance:invoice_detail", pk=invoice.pk)
    try:
        issued = services.invoice_issue(actor=user, invoice=invoice, issued_on=form.cleaned_data["issued_on"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("finance:invoice_detail", pk=invoice.pk)
    messages.success(request, f"Issued as {issued.reference}. It can no longer be changed, only credited.")
    return redirect("finance:invoice_detail", pk=issued.pk)


def _against_invoice(
    request: SignedInRequest, pk: str, form_class: type, record: Callable[..., Any], title: str, done: str
) -> HttpResponse:
    user, invoice = _writable_invoice(request, pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record(user, invoice, form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, done)
            return redirect("finance:invoice_detail", pk=invoice.pk)
    outstanding = selectors.balance_of(invoice)[2]
    return render(
        request,
        "finance/against_invoice.html",
        {"form": form, "invoice": invoice, "title": title, "outstanding": outstanding},
    )


@finance_page
@require_http_methods(["GET", "POST"])
def payment_create(request: SignedInRequest, pk: str) -> HttpResponse:
    return _against_invoice(
        request,
        pk,
        PaymentForm,
        lambda user, invoice, data: services.payment_record(actor=user, invoice=invoice, **data),
        "Record a payment",
        "The payment is recorded.",
    )


@finance_page
@require_http_methods(["GET", "POST"])
def credit_note_create(request: SignedInRequest, pk: str) -> HttpResponse:
    return _against_invoice(
        request,
        pk,
        CreditNoteForm,
        lambda user, invoice, data: services.credit_note_issue(actor=user, invoice=invoice, **data),
        "Issue a credit note",
        "The credit note is issued.",
    )


# --- audits -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def audit_list(request: SignedInRequest) -> HttpResponse:
    user: User = request.user
    audits = selectors.audits_for(user=user)  # 404 but for the administrator
    form = AuditForm(request.POST or None, auditors=selectors.auditors_for(user=user))
    if request.method == "POST" and form.is_valid():
        try:
            services.audit_open(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, "The audit is open. The auditor sees the financial records on its first day.")
            return redirect("finance:audits")
    return render(request, "finance/audit_list.html", {"audits": audits[:100], "form": form})


@login_required
@require_POST
def audit_end(request: SignedInRequest, pk: str) -> HttpResponse:
    user: User = request.user
    audit = selectors.audit_get_for(user=user, pk=pk)
    try:
        services.audit_end(actor=user, audit=audit)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The audit has ended; the auditor no longer sees any financial record.")
    return redirect(reverse("finance:audits"))
