from django.urls import path

from feedback import views

# Mounted at the site's root: the coach's pages under engagements/, the giver's page under feedback/.
app_name = "feedback"
urlpatterns = [
    path("engagements/<uuid:pk>/feedback/", views.feedback_list, name="feedback_list"),
    path("engagements/feedback/<uuid:pk>/", views.feedback_detail, name="feedback_detail"),
    path("engagements/<uuid:pk>/feedback/unsolicited/", views.unsolicited_record, name="unsolicited_record"),
    path("engagements/feedback/unsolicited/<uuid:pk>/", views.unsolicited_detail, name="unsolicited_detail"),
    path("feedback/give/<str:token>/", views.feedback_give, name="feedback_give"),
]
