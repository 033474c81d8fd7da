from django.urls import path

from disclosures import views

app_name = "disclosures"
urlpatterns = [
    path("engagements/<uuid:pk>/disclosures/", views.engagement_disclosures, name="engagement_disclosures"),
    path("engagements/<uuid:pk>/concerns/new/", views.concern_start, name="concern_start"),
    path("disclosures/", views.disclosure_register, name="register"),
    path("disclosures/<uuid:pk>/", views.disclosure_detail, name="disclosure_detail"),
    path("disclosures/<uuid:pk>/decide/", views.disclosure_decide, name="disclosure_decide"),
    path("disclosures/<uuid:pk>/letter-sent/", views.disclosure_letter_sent, name="disclosure_letter_sent"),
    path("disclosures/<uuid:pk>/letter/", views.disclosure_letter, name="disclosure_letter"),
    path("concerns/", views.concern_list, name="concerns"),
    path("concerns/<uuid:pk>/", views.concern_detail, name="concern_detail"),
    path("concerns/<uuid:pk>/step/", views.concern_step, name="concern_step"),
    path("concerns/<uuid:pk>/change/", views.concern_change, name="concern_change"),
    path("concerns/<uuid:pk>/withdraw/", views.concern_withdraw, name="concern_withdraw"),
]
