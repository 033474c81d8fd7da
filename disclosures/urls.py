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
    path("sharings/", views.sharing_list, name="sharings"),
    path("sharings/new/", views.sharing_new, name="sharing_new"),
    path("sharings/<uuid:pk>/", views.sharing_detail, name="sharing_detail"),
    path("sharings/<uuid:pk>/permission/", views.sharing_permission, name="sharing_permission"),
    path("sharings/<uuid:pk>/permission/record/", views.sharing_permission_record, name="sharing_permission_record"),
    path("sharings/<uuid:pk>/shared/", views.sharing_shared, name="sharing_shared"),
    path("sharings/<uuid:pk>/withdraw/", views.sharing_withdraw, name="sharing_withdraw"),
]
