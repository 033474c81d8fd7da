from django.urls import path

from consent import disclosure_views, views

app_name = "consent"
urlpatterns = [
    path("engagements/<uuid:pk>/agreement/", views.engagement_agreement, name="engagement_agreement"),
    path("engagements/<uuid:pk>/consents/new/", views.consent_create, name="consent_create"),
    path("agreements/<uuid:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<uuid:pk>/edit/", views.agreement_edit, name="agreement_edit"),
    path("agreements/<uuid:pk>/pdf/", views.agreement_pdf, name="agreement_pdf"),
    path("consents/", views.consent_list, name="consents"),
    path("consents/give/", views.consent_give, name="consent_give"),
    path("agreements/categories/", views.category_list, name="categories"),
    path("agreements/templates/", views.template_list, name="templates"),
    path("agreements/templates/<uuid:pk>/", views.template_edit, name="template_edit"),
    path("consents/<uuid:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("engagements/<uuid:pk>/disclosures/", disclosure_views.engagement_disclosures, name="engagement_disclosures"),
    path("engagements/<uuid:pk>/concerns/new/", disclosure_views.concern_start, name="concern_start"),
    path("disclosures/", disclosure_views.disclosure_register, name="register"),
    path("disclosures/<uuid:pk>/", disclosure_views.disclosure_detail, name="disclosure_detail"),
    path("disclosures/<uuid:pk>/decide/", disclosure_views.disclosure_decide, name="disclosure_decide"),
    path("disclosures/<uuid:pk>/letter-sent/", disclosure_views.disclosure_letter_sent, name="disclosure_letter_sent"),
    path("disclosures/<uuid:pk>/letter/", disclosure_views.disclosure_letter, name="disclosure_letter"),
    path("concerns/", disclosure_views.concern_list, name="concerns"),
    path("concerns/<uuid:pk>/", disclosure_views.concern_detail, name="concern_detail"),
    path("concerns/<uuid:pk>/step/", disclosure_views.concern_step, name="concern_step"),
]
