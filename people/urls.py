from django.urls import path

from people import views as people_views

app_name = "people"
urlpatterns = [
    path("", people_views.people_list, name="list"),
    path("<int:pk>/", people_views.person_detail, name="person"),
    path("<int:pk>/contract/", people_views.person_contract, name="contract"),
    path("<int:pk>/offboard/", people_views.person_offboard, name="offboard"),
    path("<int:pk>/reactivate/", people_views.person_reactivate, name="reactivate"),
    path("offboarding/<uuid:pk>/", people_views.offboarding_detail, name="offboarding"),
    path("handovers/<int:pk>/reassign/", people_views.handover_reassign, name="handover_reassign"),
    path("handovers/<int:pk>/settle/", people_views.handover_settle, name="handover_settle"),
    path("sponsor-contacts/<int:pk>/remove/", people_views.sponsor_contact_remove, name="sponsor_contact_remove"),
]
