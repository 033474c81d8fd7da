"""The complaints API, included under /api/v1/ by confidentiality/urls.py."""

from django.urls import path

from complaints import api, letter_api

urlpatterns = [
    path("complaints/", api.ComplaintList.as_view(), name="api_complaints"),
    path("complaints/<uuid:pk>/", api.ComplaintDetail.as_view(), name="api_complaint"),
    path("complaints/<uuid:pk>/responses/", api.ComplaintRespond.as_view(), name="api_complaint_respond"),
    path(
        "complaints/letters/<uuid:pk>/posted/", api.ComplaintLetterPosted.as_view(), name="api_complaint_letter_posted"
    ),
    path("breaches/", api.BreachList.as_view(), name="api_breaches"),
    path("breaches/<uuid:pk>/", api.BreachDetail.as_view(), name="api_breach"),
    path("breaches/<uuid:pk>/confirm/", api.BreachConfirm.as_view(), name="api_breach_confirm"),
    path("breaches/<uuid:pk>/close/", api.BreachClose.as_view(), name="api_breach_close"),
    path("breaches/<uuid:pk>/letters/", letter_api.BreachLetters.as_view(), name="api_breach_letters"),
    path(
        "breaches/<uuid:pk>/letters/decision/",
        letter_api.BreachLettersDecide.as_view(),
        name="api_breach_letters_decide",
    ),
    path(
        "breaches/<uuid:pk>/letters/produce/",
        letter_api.BreachLettersProduce.as_view(),
        name="api_breach_letters_produce",
    ),
]
