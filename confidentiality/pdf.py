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


def watermark_text(reader: Any) -> str:
    """What every page of a download carries: who downloaded it, and when."""
    from django.utils import timezone

    return f"{reader.display_name or reader.email} · {moment(timezone.now())}"


def render_html(template: str, context: dict[str, Any], *, watermark: str = "") -> str:
    """The HTML a PDF is made from, on the practice's letterhead."""
    if "practice" not in context:
        from confidentiality.practice import current_practice

        context = {**context, "practice": current_practice()}
    if watermark:
        context = {**context, "watermark": watermark}
    return render_to_string(template, context)


def pdf_from_html(html: str) -> bytes:
    from weasyprint import HTML

    base = (Path(settings.BASE_DIR) / "static").as_uri() + "/"
    return HTML(string=html, base_url=base, url_fetcher=safe_url_fetcher_class()()).write_pdf()


def render_pdf(template: str, context: dict[str, Any], *, reader: Any = None) -> bytes:
    """``reader``: the person downloading; every page then carries their name and the time."""
    return pdf_from_html(render_html(template, context, watermark=watermark_text(reader) if reader else ""))


# The watermark stamped on a kept PDF (confidentiality.keptpdf) at each download, as the stylesheet
# draws it (static/css/pdf.css, .watermark): 22 pt, dark red at 18% opacity, turned 30 degrees,
# across the middle of every page. The font is PDF's standard Helvetica, which every reader has,
# so nothing is embedded and stamping costs a few milliseconds where WeasyPrint takes 40 or more;
# it writes text in Windows-1252 only, so a name outside it is rendered by WeasyPrint as before.
_WATERMARK_POINTS = 22
_WATERMARK_TURN_DEGREES = 30
_HELVETICA_AVERAGE_WIDTH = 0.5  # of the font size: centring is by eye, as a watermark needs


def stamp_watermark(pdf: bytes, text: str) -> bytes | None:
    """``pdf`` with ``text`` across every page, or None if Helvetica cannot write ``text``."""
    import io
    import math

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ContentStream, DictionaryObject, FloatObject, NameObject

    try:
        encoded = text.encode("cp1252")
    except UnicodeEncodeError:
        return None
    literal = encoded.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    turn = math.radians(_WATERMARK_TURN_DEGREES)
    cos, sin = math.cos(turn), math.sin(turn)
    half_width = _WATERMARK_POINTS * _HELVETICA_AVERAGE_WIDTH * len(encoded) / 2
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    overlays: dict[tuple[float, float], Any] = {}
    for page in writer.pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        if size not in overlays:
            width, height = size
            overlay = PdfWriter().add_blank_page(width, height)
            names = {"/Type": "/Font", "/Subtype": "/Type1", "/BaseFont": "/Helvetica", "/Encoding": "/WinAnsiEncoding"}
            font = DictionaryObject({NameObject(k): NameObject(v) for k, v in names.items()})
            overlay[NameObject("/Resources")] = DictionaryObject(
                {
                    NameObject("/Font"): DictionaryObject({NameObject("/Watermark"): font}),
                    NameObject("/ExtGState"): DictionaryObject(
                        {NameObject("/Watermark"): DictionaryObject({NameObject("/ca"): FloatObject(0.18)})}
                    ),
                }
            )
            # Centred a little above the middle, as the stylesheet's "top: 45%" of the page area.
            operations = b"q /Watermark gs 0.588 0 0 rg 1 0 0 1 %.2f %.2f cm %.4f %.4f %.4f %.4f 0 0 cm " % (
                width / 2,
                height * 0.527,
                cos,
                sin,
                -sin,
                cos,
            )
            operations += b"BT /Watermark %d Tf %.2f -8 Td (" % (_WATERMARK_POINTS, -half_width)
            operations += literal + b") Tj ET Q"
            stream = ContentStream(None, None)
            stream.set_data(operations)
            overlay.replace_contents(stream)
            overlays[size] = overlay
        page.merge_page(overlays[size])
        page.compress_content_streams()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
