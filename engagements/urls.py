from django.urls import path

from engagements import views

app_name = "engagements"
urlpatterns = [
    path("", views.engagement_list, name="list"),
    path("<uuid:pk>/", views.engagement_detail, name="detail"),
    path("clients/", views.client_list, name="clients"),
]
