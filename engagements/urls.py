from django.urls import path

from engagements import setup_views, views

app_name = "engagements"
urlpatterns = [
    path("", views.engagement_list, name="list"),
    path("new/", setup_views.engagement_create, name="engagement_create"),
    path("<uuid:pk>/", views.engagement_detail, name="detail"),
    path("<uuid:pk>/edit/", setup_views.engagement_edit, name="engagement_edit"),
    path("<uuid:pk>/close/", setup_views.engagement_close, name="engagement_close"),
    path("<uuid:pk>/people/", setup_views.member_add, name="member_add"),
    path("<uuid:pk>/people/<int:user_id>/remove/", setup_views.member_remove, name="member_remove"),
    path("<uuid:pk>/sessions/", views.session_create, name="session_create"),
    path("<uuid:pk>/notes/", views.note_list, name="note_list"),
    path("<uuid:pk>/notes/new/", views.note_create, name="note_create"),
    path("<uuid:pk>/documents/", views.document_upload, name="document_upload"),
    path("<uuid:pk>/hard-copies/", views.hard_copy_create, name="hard_copy_create"),
    path("<uuid:pk>/consents/new/", views.consent_create, name="consent_create"),
    path("sessions/<uuid:pk>/setting/", views.session_setting, name="session_setting"),
    path("notes/<uuid:pk>/", views.note_view, name="note_view"),
    path("notes/<uuid:pk>/edit/", views.note_edit, name="note_edit"),
    path("notes/<uuid:pk>/correct/", views.note_correct, name="note_correct"),
    path("notes/<uuid:pk>/share/", views.note_share, name="note_share"),
    path("notes/<uuid:pk>/break-glass/", views.break_glass, name="break_glass"),
    path("documents/<uuid:pk>/download/", views.document_download, name="document_download"),
    path("hard-copies/<uuid:pk>/returned/", views.hard_copy_return, name="hard_copy_return"),
    path("clients/", views.client_list, name="clients"),
    path("clients/new/", setup_views.client_create, name="client_create"),
    path("clients/<uuid:pk>/login/", setup_views.client_login_give, name="client_login_give"),
    path("organisations/", setup_views.organisation_list, name="organisations"),
    path("organisations/new/", setup_views.organisation_create, name="organisation_create"),
    path("organisations/<uuid:pk>/", setup_views.organisation_detail, name="organisation_detail"),
    path("my-file/who-has-read-it/", views.access_log, name="access_log"),
]
