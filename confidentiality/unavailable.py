"""A clear message instead of a server error while the cache (Redis in production) or the database
is down.

Sign-in needs the cache (allauth's rate limits, the second factor's replay protection): without
it they cannot be checked, so they are refused rather than skipped, with a 503 that says what
happened. Signed-in work does not use the cache and goes on (``make faults`` shows both).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger(__name__)

try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    CACHE_DOWN: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover - redis is a requirement
    CACHE_DOWN = ()


class CacheUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, CACHE_DOWN):
            return None
        logger.error("The cache is unavailable (%s): answered %s with 503", type(exception).__name__, request.path)
        response = render(request, "confidentiality/unavailable.html", status=503)
        response["Retry-After"] = "60"
        return response


def server_error(request: HttpRequest) -> HttpResponse:
    """The project's ``handler500``. While the database is being restarted (or the cache is down)
    the answer is a 503 saying so, with Retry-After, rendered without the request's context (its
    processors would ask the database again); anything else is a 500 with the site's navigation,
    or without it if even that cannot be rendered."""
    exception = sys.exc_info()[1]
    unavailable = isinstance(exception, (OperationalError, InterfaceError, *CACHE_DOWN))
    html = None
    if not unavailable:
        try:
            html = loader.render_to_string("confidentiality/server_error.html", {"unavailable": False}, request)
        except Exception:
            logger.exception("The error page could not be rendered with its navigation")
    if html is None:
        html = loader.render_to_string("confidentiality/server_error.html", {"unavailable": unavailable})
    response = HttpResponse(html, status=503 if unavailable else 500)
    if unavailable:
        response["Retry-After"] = "60"
    return response
