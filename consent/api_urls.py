"""The consent API, included under /api/v1/ by confidentiality/urls.py."""

from django.urls import path

from consent import api

urlpatterns = [
    path("engagements/<uuid:pk>/agreement/", api.CurrentAgreement.as_view(), name="api_agreement"),
    path("engagements/<uuid:pk>/agreement/sign/", api.SignAgreement.as_view(), name="api_agreement_sign"),
    path("agreement-templates/", api.TemplateList.as_view(), name="api_agreement_templates"),
    path("information-categories/", api.CategoryList.as_view(), name="api_categories"),
    path("professional-codes/", api.ProfessionalCodeList.as_view(), name="api_professional_codes"),
    path("consents/", api.ConsentList.as_view(), name="api_consents"),
    path("consents/<uuid:pk>/withdraw/", api.WithdrawConsent.as_view(), name="api_consent_withdraw"),
]
