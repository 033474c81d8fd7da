from django.urls import path

from portal import account_views, outbox_views, practice_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("notices/<int:pk>/", views.notice_open, name="notice_open"),
    path("account/", views.account_settings, name="account_settings"),
    path("account/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("account/sessions/<int:pk>/end/", account_views.session_end, name="account_session_end"),
    path("account/sessions/end-others/", account_views.sessions_end_others, name="account_sessions_end_others"),
    path("account/activity/", account_views.activity, name="account_activity"),
    path("audit/", views.audit_log, name="audit_log"),
    path("outbox/", outbox_views.outbox, name="outbox"),
    path("practice/", practice_views.practice_settings, name="practice_settings"),
    path("outbox/<uuid:pk>/resend/", outbox_views.outbox_resend, name="outbox_resend"),
]
