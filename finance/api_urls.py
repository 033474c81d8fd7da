"""The finance API, included under /api/v1/ by confidentiality/urls.py."""

from django.urls import path

from finance import api

urlpatterns = [
    path("invoices/", api.InvoiceList.as_view(), name="api_invoices"),
    path("invoices/<uuid:pk>/", api.InvoiceDetail.as_view(), name="api_invoice"),
    path("invoices/<uuid:pk>/issue/", api.InvoiceIssue.as_view(), name="api_invoice_issue"),
    path("payments/", api.PaymentList.as_view(), name="api_payments"),
    path("credit-notes/", api.CreditNoteList.as_view(), name="api_credit_notes"),
    path("finance/summary/", api.FinanceSummary.as_view(), name="api_finance_summary"),
]
