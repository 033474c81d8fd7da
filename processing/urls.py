from django.urls import path

from processing import views

app_name = "processing"
urlpatterns = [
    path("records-of-processing/", views.register, name="register"),
    path("records-of-processing/record.pdf", views.register_pdf, name="register_pdf"),
    path("records-of-processing/suggestions/", views.suggestions, name="suggestions"),
    path("records-of-processing/processors/", views.processor_add, name="processor_add"),
    path("records-of-processing/activities/<uuid:pk>/", views.activity_edit, name="activity_edit"),
    path("records-of-processing/activities/<uuid:pk>/remove/", views.activity_remove, name="activity_remove"),
    path("records-of-processing/processors/<uuid:pk>/", views.processor_edit, name="processor_edit"),
    path("records-of-processing/processors/<uuid:pk>/remove/", views.processor_remove, name="processor_remove"),
    path("privacy/", views.privacy_notice, name="privacy_notice"),
    path("privacy/notice.pdf", views.privacy_notice_pdf, name="privacy_notice_pdf"),
]
