from django.urls import path

from complaints import letter_views, views

app_name = "complaints"

urlpatterns = [
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/new/", views.complaint_lodge, name="complaint_lodge"),
    path("complaints/record/", views.complaint_record, name="complaint_record"),
    path("complaints/letters/<uuid:pk>/pdf/", views.complaint_letter_pdf, name="complaint_letter_pdf"),
    path("complaints/letters/<uuid:pk>/posted/", views.complaint_letter_posted, name="complaint_letter_posted"),
    path("complaints/<uuid:pk>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<uuid:pk>/respond/", views.complaint_respond, name="complaint_respond"),
    path("complaints/<uuid:pk>/reply/", views.complaint_reply, name="complaint_reply"),
    path("complaints/<uuid:pk>/close/", views.complaint_close, name="complaint_close"),
    path("register/", views.register, name="register"),
    path("breaches/", views.breach_list, name="breach_list"),
    path("breaches/new/", views.breach_new, name="breach_new"),
    path("breaches/<uuid:pk>/", views.breach_detail, name="breach_detail"),
    path("breaches/<uuid:pk>/confirm/", views.breach_confirm, name="breach_confirm"),
    path("breaches/<uuid:pk>/close/", views.breach_close, name="breach_close"),
    path("breaches/<uuid:pk>/affected/", letter_views.breach_affected_add, name="breach_affected_add"),
    path("breaches/affected/<uuid:pk>/remove/", letter_views.breach_affected_remove, name="breach_affected_remove"),
    path("breaches/<uuid:pk>/communication/", letter_views.breach_communication, name="breach_communication"),
    path("breaches/<uuid:pk>/letter/", letter_views.breach_letter_text, name="breach_letter_text"),
    path("breaches/<uuid:pk>/letters/produce/", letter_views.breach_letters_produce, name="breach_letters_produce"),
    path("breaches/affected/<uuid:pk>/posted/", letter_views.breach_letter_posted, name="breach_letter_posted"),
    path("breach-letters/<uuid:pk>/", letter_views.breach_letter, name="breach_letter"),
    path("breach-letters/<uuid:pk>/pdf/", letter_views.breach_letter_pdf, name="breach_letter_pdf"),
]
