"""Files sent to the browser to be saved, never shown in it."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse


def attachment_response(content: bytes, *, content_type: str, name: str) -> HttpResponse:
    """A download that the browser saves, never renders; the name is RFC 6266-encoded, never a path."""
    response = HttpResponse(content, content_type=content_type)
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
