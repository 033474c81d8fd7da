from django.urls import path

from complaints import views

app_name = "complaints"

urlpatterns = [
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/new/", views.complaint_lodge, name="complaint_lodge"),
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
]
