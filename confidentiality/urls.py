from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from confidentiality import api, health

# The technical admin site signs in through allauth, so its sessions pass the second factor too.
admin.site.login = login_required(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = f"{settings.PRACTICE_NAME}: technical administration"
# A superuser's own password changes on the account page, which audits it and tells them, like
# everyone's: the admin site's form would do neither.


@require_GET
def admin_password_change(request: HttpRequest) -> HttpResponse:
    return redirect("account_change_password")


# Each app's pages and its API are included by name, so the core imports no feature app.
urlpatterns = [
    path("", include("portal.urls")),
    path("people/", include("people.urls")),
    path("policies/", include("people.policy_urls")),
    path("engagements/", include("engagements.urls")),
    path("retention/", include("retention.urls")),
    path("subject-access/", include("rights.urls")),
    path("", include("processing.urls")),
    path("", include("consent.urls")),
    path("", include("reports.urls")),
    path("", include("feedback.urls")),
    path("", include("disclosures.urls")),
    path("", include("complaints.urls")),
    path("", include("testimonials.urls")),
    path("finance/", include("finance.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/password_change/", admin_password_change),
    path("admin/", admin.site.urls),
    path("api/v1/", include("portal.api_urls")),
    path("api/v1/", include("engagements.api_urls")),
    path("api/v1/", include("consent.api_urls")),
    path("api/v1/", include("reports.api_urls")),
    path("api/v1/", include("feedback.api_urls")),
    path("api/v1/", include("disclosures.api_urls")),
    path("api/v1/", include("complaints.api_urls")),
    path("api/v1/", include("testimonials.api_urls")),
    path("api/v1/", include("rights.api_urls")),
    path("api/v1/", include("retention.api_urls")),
    path("api/v1/", include("finance.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]

handler404 = api.not_found
handler500 = "confidentiality.unavailable.server_error"
