from django.urls import path

from consent import views

app_name = "consent"
urlpatterns = [
    path("engagements/<uuid:pk>/agreement/", views.engagement_agreement, name="engagement_agreement"),
    path("agreements/<uuid:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<uuid:pk>/edit/", views.agreement_edit, name="agreement_edit"),
    path("agreements/<uuid:pk>/pdf/", views.agreement_pdf, name="agreement_pdf"),
    path("consents/", views.consent_list, name="consents"),
    path("consents/give/", views.consent_give, name="consent_give"),
    path("agreements/categories/", views.category_list, name="categories"),
    path("agreements/codes/", views.professional_code_list, name="professional_codes"),
    path("agreements/codes/<int:pk>/active/", views.professional_code_active, name="professional_code_active"),
    path("agreements/templates/", views.template_list, name="templates"),
    path("agreements/templates/<uuid:pk>/", views.template_edit, name="template_edit"),
    path("consents/<uuid:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
]
