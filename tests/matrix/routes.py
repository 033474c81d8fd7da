"""What the matrix must cover: every URL pattern in the URL configuration and every API operation
in the OpenAPI schema, read from the running project rather than from a list kept by hand."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, resolve

API_PREFIX = "/api/v1/"
# The technical admin site adds five or six pages per registered model: one rule in the table covers
# them all (``ADMIN_FAMILY``), and each is still tried by every persona.


@cache
def admin_model_prefixes() -> tuple[str, ...]:
    from django.contrib import admin

    return tuple(f"admin/{m._meta.app_label}/{m._meta.model_name}/" for m in admin.site._registry)


_CONVERTER = re.compile(r"<(?:(?P<type>\w+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Route:
    route: str  # "engagements/<uuid:pk>/notes/", as written in the URL configuration
    name: str | None
    callback: Any

    @property
    def is_api(self) -> bool:
        return self.route.startswith(API_PREFIX.lstrip("/"))

    @property
    def is_admin_model_page(self) -> bool:
        return self.route.startswith(admin_model_prefixes())


def _walk(patterns: list[Any], prefix: str = "") -> list[Route]:
    found: list[Route] = []
    for pattern in patterns:
        # Written as Django's resolver writes a match's route: a regex's leading ^ dropped.
        piece = str(pattern.pattern).removeprefix("^")
        if isinstance(pattern, URLResolver):
            found += _walk(pattern.url_patterns, prefix + piece)
        elif isinstance(pattern, URLPattern):
            found.append(Route(prefix + piece, pattern.name, pattern.callback))
    return found


@cache
def url_patterns() -> tuple[Route, ...]:
    return tuple(_walk(get_resolver().url_patterns))


@cache
def api_operations() -> tuple[tuple[str, str], ...]:
    """("GET", "/api/v1/engagements/{id}/notes/") for every operation the schema describes."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return tuple(
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    )


def route_of_api_path(path: str) -> str:
    """The URL pattern an API path resolves to: the schema and the URL configuration agree on it."""
    sample = re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path)
    return resolve(sample).route


def fill(route: str, values: dict[str, Any]) -> str:
    """A concrete path for a Django route: each ``<converter:name>`` replaced by its value."""

    def one(match: re.Match[str]) -> str:
        return str(values[match.group("name")])

    return "/" + _CONVERTER.sub(one, route)


def kwarg_names(route: str) -> list[str]:
    return [m.group("name") for m in _CONVERTER.finditer(route)]


def methods_of(callback: Any) -> tuple[str, ...]:
    """The methods a view answers, read from the view itself: ``require_http_methods`` (and
    ``require_POST``) in its decorators, ``http_method_names`` and handlers of a class-based view,
    or, for an undecorated function, GET and, if its code reads a form, POST."""
    actions = getattr(callback, "actions", None)  # a DRF viewset: {"get": "list"}
    if actions:
        return tuple(m.upper() for m in ("get", "post", "patch", "delete") if m in actions)
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is not None:
        return tuple(m.upper() for m in ("get", "post", "patch", "delete") if hasattr(view_class, m)) or ("GET",)
    layers: list[Any] = [callback]
    seen: set[int] = set()
    while layers:
        layer = layers.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        try:
            closure = inspect.getclosurevars(layer).nonlocals
        except TypeError:
            closure = {}
        if "request_method_list" in closure:
            return tuple(m for m in ("GET", "POST", "PATCH", "DELETE") if m in closure["request_method_list"])
        # Down through decorators: functools.wraps leaves __wrapped__; others keep the view in a closure.
        layers += [getattr(layer, "__wrapped__", None), *(v for v in closure.values() if inspect.isfunction(v))]
        layers = [x for x in layers if x is not None]
    try:
        source = inspect.getsource(inspect.unwrap(callback))
    except (OSError, TypeError):
        return ("GET",)
    return ("GET", "POST") if "request.POST" in source or '"POST"' in source else ("GET",)


def admin_model_routes() -> list[Route]:
    return [r for r in url_patterns() if r.is_admin_model_page]


def admin_path(route: str) -> str:
    app_label, model_name = route.split("/")[1:3]
    model = apps.get_model(app_label, model_name)
    first = model.objects.order_by("pk").first()
    object_id = str(first.pk) if first is not None else "0"
    return "/" + route.replace("<path:object_id>", object_id).replace("<id>", object_id)


def required_rows() -> tuple[set[str], set[str]]:
    """What the table must cover: "METHOD route" for every URL pattern outside a family and the API,
    and "METHOD /api/v1/…" for every operation in the schema."""
    urls: set[str] = set()
    operation_routes = {route_of_api_path(path) for _, path in api_operations()}
    for route in url_patterns():
        if route.is_admin_model_page:
            continue
        if route.is_api and route.route in operation_routes:
            continue  # covered by its operations
        for method in methods_of(route.callback):
            urls.add(f"{method} {route.route}")
    operations = {f"{method} {path}" for method, path in api_operations()}
    return urls, operations
