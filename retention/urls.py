from django.urls import path

from retention import views

app_name = "retention"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("holds/<uuid:pk>/release/", views.hold_release, name="hold_release"),
    path("policies/", views.policies, name="policies"),
]
