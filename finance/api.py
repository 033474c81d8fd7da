"""The financial records over the API: the same policy, selectors and services as the pages.

Reads: the administrator, a sponsor (their organisation's), an auditor (all, inside the audit
window). Writes: the administrator only; anyone else who may read gets 403, everyone else 404.
Money is sent and returned as decimal strings ("120.00"), never as floating-point numbers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

import access
from confidentiality.api import StrictCharField
from confidentiality.audit import audit_record
from confidentiality.pagination import CursorPage
from finance import selectors, services
from finance.forms import FinanceFilterForm
from finance.models import Currency, Invoice, Payment
from finance.tables import invoice_state_text

if TYPE_CHECKING:
    from confidentiality.accounts import SignedInApiRequest
    from confidentiality.models import User


class ByNumberPage(CursorPage):
    ordering = "-number"


FILTER_PARAMETERS = [
    OpenApiParameter("year", int, description="A calendar year; or use date_from and date_to."),
    OpenApiParameter("date_from", str, description="First day, YYYY-MM-DD (inclusive)."),
    OpenApiParameter("date_to", str, description="Last day, YYYY-MM-DD (inclusive)."),
    OpenApiParameter("organisation", str, description="An organisation's id (administrator and auditor)."),
    OpenApiParameter("state", str, description="open, overdue, unpaid, part_paid, paid or credited."),
]


def _filters(request: SignedInApiRequest) -> selectors.FinanceFilter:
    params = request.query_params.copy()
    for name in ("cursor", "page_size"):
        params.pop(name, None)
    form = FinanceFilterForm(params or None, organisations=access.finance_organisations_for(request.user))
    if not form.is_bound:
        return selectors.FinanceFilter()
    if not form.is_valid():
        raise serializers.ValidationError(form.errors.get_json_data())
    return form.to_filter()


def _audit(request: SignedInApiRequest, action: str, *, obj: Any = None, object_type: str = "", **detail: Any) -> None:
    audit_record(actor=request.user, action=action, obj=obj, object_type=object_type, detail=detail)


class MoneyField(serializers.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=12, decimal_places=2, **kwargs)


class LineSerializer(serializers.Serializer):
    position = serializers.IntegerField(read_only=True)
    description = StrictCharField(max_length=200)
    quantity = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
    unit_price = MoneyField(min_value=0)
    tax_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, default=Decimal("20.00")
    )
    net = MoneyField(read_only=True)
    tax = MoneyField(read_only=True)


class InvoiceSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    number = serializers.CharField(source="reference", read_only=True)
    state = serializers.CharField(read_only=True)
    state_text = serializers.SerializerMethodField()
    organisation = serializers.UUIDField(
        source="organisation_id", read_only=True, allow_null=True, help_text="Null: billed to a private client."
    )
    organisation_name = serializers.SerializerMethodField()
    billed_to = serializers.SerializerMethodField(help_text="The organisation's name, or the private client's.")
    engagement_reference = serializers.SerializerMethodField()
    currency = serializers.CharField(read_only=True)
    net = MoneyField(read_only=True)
    tax = MoneyField(read_only=True)
    gross = MoneyField(read_only=True)
    paid = serializers.SerializerMethodField()
    credited = serializers.SerializerMethodField()
    outstanding = serializers.SerializerMethodField()
    issued_on = serializers.DateField(read_only=True, allow_null=True)
    due_on = serializers.DateField(read_only=True, allow_null=True)
    lines = LineSerializer(many=True, read_only=True)

    def get_state_text(self, obj: Invoice) -> str:
        return invoice_state_text(obj)

    def get_organisation_name(self, obj: Invoice) -> str:
        return "" if obj.is_private else obj.billed_to

    def get_billed_to(self, obj: Invoice) -> str:
        return obj.billed_to

    def get_engagement_reference(self, obj: Invoice) -> str:
        if obj.engagement_reference or obj.engagement_id is None:
            return obj.engagement_reference
        return obj.engagement.reference if obj.engagement else ""

    def get_paid(self, obj: Invoice) -> str:
        return f"{selectors.balance_of(obj)[0]:.2f}"

    def get_credited(self, obj: Invoice) -> str:
        return f"{selectors.balance_of(obj)[1]:.2f}"

    def get_outstanding(self, obj: Invoice) -> str:
        return f"{selectors.balance_of(obj)[2]:.2f}"


class InvoiceWriteSerializer(serializers.Serializer):
    organisation = serializers.UUIDField(
        required=False, allow_null=True, help_text="Null or absent: a private client's invoice (give their engagement)."
    )
    engagement = serializers.UUIDField(required=False, allow_null=True)
    currency = serializers.ChoiceField(choices=Currency.choices, default=Currency.GBP)
    payment_terms_days = serializers.IntegerField(min_value=0, max_value=365, default=30)
    lines = LineSerializer(many=True, allow_empty=False)
    issue = serializers.BooleanField(default=False, help_text="Issue it at once (it then never changes).")
    issued_on = serializers.DateField(required=False, help_text="With issue: the issue date (default today).")

    def validate_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(lines) > services.MAX_LINES:
            raise serializers.ValidationError(f"An invoice has at most {services.MAX_LINES} lines.")
        return lines


def _parties(data: dict[str, Any], user: User) -> dict[str, Any]:
    from engagements.models import Organisation

    organisation = None
    if data.get("organisation"):
        organisation = Organisation.objects.filter(pk=data["organisation"]).first()
        if organisation is None:
            raise serializers.ValidationError({"organisation": "No such organisation."})
    engagement = None
    if data.get("engagement"):
        engagement = access.engagements_visible_to(user).filter(pk=data["engagement"]).first()
        if engagement is None:
            raise serializers.ValidationError({"engagement": "No such engagement."})
    lines = [
        services.LineInput(
            description=line["description"],
            quantity=line["quantity"],
            unit_price=line["unit_price"],
            tax_rate=line["tax_rate"],
        )
        for line in data["lines"]
    ]
    return {
        "organisation": organisation,
        "engagement": engagement,
        "currency": data["currency"],
        "payment_terms_days": data["payment_terms_days"],
        "lines": lines,
    }


def _invoice_response(request: SignedInApiRequest, invoice: Invoice, code: int = status.HTTP_200_OK) -> Response:
    fresh = selectors.invoice_get_for(user=request.user, pk=invoice.pk)
    return Response(InvoiceSerializer(fresh).data, status=code)


@extend_schema(tags=["finance"])
class InvoiceList(APIView):
    """Issued invoices the caller may see, newest number first, with what is paid and outstanding.
    POST (administrator): a draft, or with ``issue: true`` an issued invoice."""

    pagination_class = ByNumberPage  # also tells the schema the list comes in pages

    @extend_schema(parameters=FILTER_PARAMETERS, responses=InvoiceSerializer(many=True))
    def get(self, request: SignedInApiRequest) -> Response:
        access.require_finance_read(request.user)
        filters = _filters(request)
        found: QuerySet[Invoice] = selectors.invoices_for(user=request.user, filters=filters).prefetch_related("lines")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(found, request, view=self) or []
        _audit(request, "finance.invoices.read", object_type="finance.invoice", rows=len(page), **filters.as_detail())
        return paginator.get_paginated_response(InvoiceSerializer(page, many=True).data)

    @extend_schema(request=InvoiceWriteSerializer, responses={201: InvoiceSerializer})
    def post(self, request: SignedInApiRequest) -> Response:
        access.require_finance_write(request.user)
        incoming = InvoiceWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        invoice = services.invoice_create(actor=request.user, **_parties(data, request.user))
        if data["issue"]:
            invoice = services.invoice_issue(actor=request.user, invoice=invoice, issued_on=data.get("issued_on"))
        return _invoice_response(request, invoice, status.HTTP_201_CREATED)


@extend_schema(tags=["finance"])
class InvoiceDetail(APIView):
    """One invoice. PATCH and DELETE change a draft only: an issued invoice never changes."""

    @extend_schema(responses=InvoiceSerializer)
    def get(self, request: SignedInApiRequest, pk: str) -> Response:
        access.require_finance_read(request.user)
        invoice = selectors.invoice_get_for(user=request.user, pk=pk)
        _audit(request, "finance.invoice.read", obj=invoice)
        return Response(InvoiceSerializer(invoice).data)

    @extend_schema(request=InvoiceWriteSerializer, responses=InvoiceSerializer)
    def patch(self, request: SignedInApiRequest, pk: str) -> Response:
        invoice = selectors.invoice_get_for(user=request.user, pk=pk)
        access.require_finance_write(request.user)
        incoming = InvoiceWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        updated = services.invoice_update(
            actor=request.user, invoice=invoice, **_parties(incoming.validated_data, request.user)
        )
        return _invoice_response(request, updated)

    @extend_schema(responses={204: None})
    def delete(self, request: SignedInApiRequest, pk: str) -> Response:
        invoice = selectors.invoice_get_for(user=request.user, pk=pk)
        access.require_finance_write(request.user)
        services.invoice_delete(actor=request.user, invoice=invoice)
        return Response(status=status.HTTP_204_NO_CONTENT)


class IssueSerializer(serializers.Serializer):
    issued_on = serializers.DateField(required=False)


@extend_schema(tags=["finance"])
class InvoiceIssue(APIView):
    """Issue a draft: it takes the next number and never changes again."""

    @extend_schema(request=IssueSerializer, responses=InvoiceSerializer)
    def post(self, request: SignedInApiRequest, pk: str) -> Response:
        invoice = selectors.invoice_get_for(user=request.user, pk=pk)
        access.require_finance_write(request.user)
        incoming = IssueSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        issued = services.invoice_issue(
            actor=request.user, invoice=invoice, issued_on=incoming.validated_data.get("issued_on")
        )
        return _invoice_response(request, issued)


class PaymentSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    invoice = serializers.UUIDField(source="invoice_id", read_only=True)
    invoice_number = serializers.CharField(source="invoice.reference", read_only=True)
    organisation = serializers.UUIDField(source="organisation_id", read_only=True, allow_null=True)
    currency = serializers.CharField(read_only=True)
    amount = MoneyField(read_only=True)
    received_on = serializers.DateField(read_only=True)
    method = serializers.CharField(read_only=True)
    reference = serializers.CharField(read_only=True)


class PaymentWriteSerializer(serializers.Serializer):
    invoice = serializers.UUIDField()
    amount = MoneyField(min_value=0)
    received_on = serializers.DateField()
    method = serializers.ChoiceField(choices=Payment.Method.choices, default=Payment.Method.BANK_TRANSFER)
    reference = StrictCharField(max_length=80, required=False, allow_blank=True, default="")


@extend_schema(tags=["finance"])
class PaymentList(APIView):
    """Payments the caller may see, filtered by the date received. POST (administrator) records one."""

    pagination_class = CursorPage

    @extend_schema(parameters=FILTER_PARAMETERS, responses=PaymentSerializer(many=True))
    def get(self, request: SignedInApiRequest) -> Response:
        access.require_finance_read(request.user)
        filters = _filters(request)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.payments_for(user=request.user, filters=filters), request, view=self
        )
        rows = page or []
        _audit(request, "finance.payments.read", object_type="finance.payment", rows=len(rows), **filters.as_detail())
        return paginator.get_paginated_response(PaymentSerializer(rows, many=True).data)

    @extend_schema(request=PaymentWriteSerializer, responses={201: PaymentSerializer})
    def post(self, request: SignedInApiRequest) -> Response:
        access.require_finance_write(request.user)
        incoming = PaymentWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        invoice = selectors.invoice_get_for(user=request.user, pk=data.pop("invoice"))
        payment = services.payment_record(actor=request.user, invoice=invoice, **data)
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class CreditNoteSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    number = serializers.CharField(source="reference", read_only=True)
    invoice = serializers.UUIDField(source="invoice_id", read_only=True)
    invoice_number = serializers.CharField(source="invoice.reference", read_only=True)
    organisation = serializers.UUIDField(source="organisation_id", read_only=True, allow_null=True)
    currency = serializers.CharField(read_only=True)
    net = MoneyField(read_only=True)
    tax = MoneyField(read_only=True)
    gross = MoneyField(read_only=True)
    reason = serializers.CharField(read_only=True)
    issued_on = serializers.DateField(read_only=True)


class CreditNoteWriteSerializer(serializers.Serializer):
    invoice = serializers.UUIDField()
    net = MoneyField(min_value=0)
    tax = MoneyField(min_value=0, default=Decimal("0.00"))
    reason = StrictCharField(max_length=200)
    issued_on = serializers.DateField(required=False)


@extend_schema(tags=["finance"])
class CreditNoteList(APIView):
    """Credit notes the caller may see, filtered by their date. POST (administrator) issues one."""

    pagination_class = ByNumberPage

    @extend_schema(parameters=FILTER_PARAMETERS, responses=CreditNoteSerializer(many=True))
    def get(self, request: SignedInApiRequest) -> Response:
        access.require_finance_read(request.user)
        filters = _filters(request)
        paginator = self.pagination_class()
        found = selectors.credit_notes_for(user=request.user, filters=filters)
        rows = paginator.paginate_queryset(found, request, view=self) or []
        _audit(
            request,
            "finance.credit_notes.read",
            object_type="finance.creditnote",
            rows=len(rows),
            **filters.as_detail(),
        )
        return paginator.get_paginated_response(CreditNoteSerializer(rows, many=True).data)

    @extend_schema(request=CreditNoteWriteSerializer, responses={201: CreditNoteSerializer})
    def post(self, request: SignedInApiRequest) -> Response:
        access.require_finance_write(request.user)
        incoming = CreditNoteWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        invoice = selectors.invoice_get_for(user=request.user, pk=data.pop("invoice"))
        credit = services.credit_note_issue(actor=request.user, invoice=invoice, **data)
        return Response(CreditNoteSerializer(credit).data, status=status.HTTP_201_CREATED)


class BucketSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField(source="label")
    count = serializers.IntegerField()
    outstanding = MoneyField()


class MonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    invoiced = MoneyField()
    received = MoneyField()
    credited = MoneyField()


class CurrencySummarySerializer(serializers.Serializer):
    currency = serializers.CharField()
    invoice_count = serializers.IntegerField()
    invoiced = MoneyField()
    paid = MoneyField()
    credited = MoneyField()
    outstanding = MoneyField()
    aged_debt = BucketSerializer(source="aged", many=True)
    by_month = MonthSerializer(source="months", many=True)


class SummarySerializer(serializers.Serializer):
    date_from = serializers.DateField(source="filters.date_from", allow_null=True)
    date_to = serializers.DateField(source="filters.date_to", allow_null=True)
    as_of = serializers.DateField(source="today")
    currencies = CurrencySummarySerializer(many=True)


@extend_schema(tags=["finance"])
class FinanceSummary(APIView):
    """Totals that reconcile (outstanding = invoiced - paid - credited), aged debt and the months,
    per currency, computed by the database for the filtered invoices."""

    @extend_schema(parameters=FILTER_PARAMETERS, responses=SummarySerializer)
    def get(self, request: SignedInApiRequest) -> Response:
        access.require_finance_read(request.user)
        filters = _filters(request)
        summary = selectors.summary_for(user=request.user, filters=filters)
        _audit(request, "finance.summary.read", object_type="finance.invoice", **filters.as_detail())
        return Response(SummarySerializer(summary).data)
