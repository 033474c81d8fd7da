from django.urls import path

from people import views

app_name = "people"
urlpatterns = [
    path("", views.people_list, name="list"),
    path("<int:pk>/", views.person_detail, name="person"),
    path("<int:pk>/contract/", views.person_contract, name="contract"),
    path("<int:pk>/offboard/", views.person_offboard, name="offboard"),
    path("<int:pk>/reactivate/", views.person_reactivate, name="reactivate"),
    path("<int:pk>/invite/", views.person_invite, name="invite"),
    path("offboarding/<uuid:pk>/", views.offboarding_detail, name="offboarding"),
    path("handovers/<int:pk>/reassign/", views.handover_reassign, name="handover_reassign"),
    path("handovers/<int:pk>/settle/", views.handover_settle, name="handover_settle"),
    path("sponsor-contacts/<int:pk>/remove/", views.sponsor_contact_remove, name="sponsor_contact_remove"),
]
