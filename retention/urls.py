from django.urls import path

from retention import views

app_name = "retention"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("forecast/recount/", views.forecast_recount, name="forecast_recount"),
    path("holds/new/<str:scope>/<uuid:pk>/", views.hold_new, name="hold_new"),
    path("holds/<uuid:pk>/release/", views.hold_release, name="hold_release"),
    path("policies/", views.policies, name="policies"),
    path("withdraw/<str:kind>/<uuid:pk>/", views.record_withdraw, name="withdraw"),
]
