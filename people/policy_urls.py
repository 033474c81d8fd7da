from django.urls import path

from people import policy_views

app_name = "policies"
urlpatterns = [
    path("", policy_views.accept_page, name="accept"),
    path("<uuid:pk>/accept/", policy_views.accept, name="accept_version"),
    path("status/", policy_views.status, name="status"),
]
