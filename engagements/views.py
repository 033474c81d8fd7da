from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from confidentiality import access
from confidentiality.crypto import load_data_keys
from engagements import selectors


@login_required
def engagement_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.engagement_list_for(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "engagements/engagement_list.html", {"page": page})


@login_required
def engagement_detail(request: HttpRequest, pk: str) -> HttpResponse:
    engagement = selectors.engagement_get_for(user=request.user, pk=pk)
    return render(
        request,
        "engagements/engagement_detail.html",
        {
            "engagement": engagement,
            "people": selectors.engagement_people_for(user=request.user, engagement=engagement),
            "client": selectors.client_for_engagement(user=request.user, engagement=engagement),
            "can_change": access.can_change_engagement(request.user),
        },
    )


@login_required
def client_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.client_list_for(user=request.user), 50).get_page(request.GET.get("page"))
    # One query unwraps every key the page needs, instead of one per client.
    load_data_keys(client.data_key_id for client in page.object_list)
    return render(request, "engagements/client_list.html", {"page": page})
