from django.urls import path

from rights import link_views, views

app_name = "subject_access"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("portability-schema.json", views.portability_schema, name="portability_schema"),
    path("new/", views.request_new, name="new"),
    path("<uuid:pk>/", views.request_detail, name="detail"),
    path("<uuid:pk>/status/", views.request_status, name="status"),
    path("<uuid:pk>/start/", views.request_start, name="start"),
    path("<uuid:pk>/extend/", views.request_extend, name="extend"),
    path("<uuid:pk>/refuse/", views.request_refuse, name="refuse"),
    path("<uuid:pk>/release/", views.request_release, name="release"),
    path("<uuid:pk>/correct/", views.request_correct, name="correct"),
    path("<uuid:pk>/answer/", views.request_answer, name="answer"),
    path("<uuid:pk>/restrict/", views.request_restrict, name="restrict"),
    path("<uuid:pk>/lift/", views.request_lift, name="lift"),
    path("<uuid:pk>/posted/", views.request_posted, name="posted"),
    path("<uuid:pk>/copy/", views.request_copy, name="copy"),
    path("<uuid:pk>/redact/", views.request_redact, name="redact"),
    path("<uuid:pk>/withhold-file/", views.request_withhold_file, name="withhold_file"),
    path("<uuid:pk>/letter/", views.request_letter, name="letter"),
    path("<uuid:pk>/download/", views.request_download, name="download"),
    path("<uuid:pk>/send-link/", link_views.send_link, name="send_link"),
    # A client without a sign-in collects the answer: the e-mailed link, then the code (rights/links.py).
    path("collect/<str:token>/", link_views.collect_link, name="collect_link"),
    path("collect/", link_views.collect, name="collect"),
]
