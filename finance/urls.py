from django.urls import path

from finance import views

app_name = "finance"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/new/", views.invoice_create, name="invoice_create"),
    path("invoices/<uuid:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<uuid:pk>/edit/", views.invoice_edit, name="invoice_edit"),
    path("invoices/<uuid:pk>/delete/", views.invoice_delete, name="invoice_delete"),
    path("invoices/<uuid:pk>/issue/", views.invoice_issue, name="invoice_issue"),
    path("invoices/<uuid:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<uuid:pk>/payments/new/", views.payment_create, name="payment_create"),
    path("invoices/<uuid:pk>/credit-notes/new/", views.credit_note_create, name="credit_note_create"),
    path("payments/", views.payment_list, name="payment_list"),
    path("credit-notes/", views.credit_note_list, name="credit_note_list"),
    path("audits/", views.audit_list, name="audits"),
    path("audits/<uuid:pk>/end/", views.audit_end, name="audit_end"),
]
