"""PDFs with WeasyPrint, fetching nothing but ``data:`` URLs and the project's own static files.

WeasyPrint's default fetcher opens any URL, file:// included: an ``<a rel="attachment"
href="file:///…">`` was seen to embed a server file in a PDF. This one refuses everything
else, follows no redirect, and templates are rendered with Django's auto-escaping, so no
user text becomes markup.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.template.loader import render_to_string

from confidentiality.dates import moment

logger = logging.getLogger(__name__)


def _static_roots() -> list[Path]:
    return [Path(p).resolve() for p in settings.STATICFILES_DIRS]


def safe_url_fetcher_class() -> Any:
    from weasyprint.urls import URLFetcher

    class SafeURLFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(timeout=5, allowed_protocols={"data", "file"}, allow_redirects=False)

        def fetch(self, url: str, headers: Any = None) -> Any:
            parsed = urlparse(url)
            if parsed.scheme == "data":
                return super().fetch(url, headers)
            if parsed.scheme == "file":
                path = Path(unquote(parsed.path)).resolve()
                if any(path.is_relative_to(root) for root in _static_roots()) and path.is_file():
                    return super().fetch(url, headers)
            # Refused: logged with its scheme only, never the address (it may carry data).
            logger.warning("PDF renderer refused a %s: URL", parsed.scheme or "relative")
            raise ValueError("This PDF may only use data: URLs and the practice's own static files.")

    return SafeURLFetcher


def render_pdf(template: str, context: dict[str, Any], *, reader: Any = None) -> bytes:
    """``reader``: the person downloading; every page then carries their name and the time."""
    from django.utils import timezone
    from weasyprint import HTML

    if "practice" not in context:
        from confidentiality.practice import current_practice

        context = {**context, "practice": current_practice()}
    if reader is not None:
        context = {
            **context,
            "watermark": f"{reader.display_name or reader.email} · {moment(timezone.now())}",
        }
    html = render_to_string(template, context)
    base = (Path(settings.BASE_DIR) / "static").as_uri() + "/"
    return HTML(string=html, base_url=base, url_fetcher=safe_url_fetcher_class()()).write_pdf()
