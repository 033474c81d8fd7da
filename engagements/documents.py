"""What a document may be: the type is decided from the file's own bytes, never the browser's word."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.http import HttpResponse


@dataclass(frozen=True)
class Kind:
    extensions: tuple[str, ...]
    content_type: str
    magic: tuple[bytes, ...]


KINDS = (
    Kind((".pdf",), "application/pdf", (b"%PDF-",)),
    Kind((".png",), "image/png", (b"\x89PNG\r\n\x1a\n",)),
    Kind((".jpg", ".jpeg"), "image/jpeg", (b"\xff\xd8\xff",)),
    Kind((".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    Kind((".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    Kind((".pptx",), "application/vnd.openxmlformats-officedocument.presentationml.presentation", (b"PK\x03\x04",)),
    Kind((".odt",), "application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    Kind((".txt",), "text/plain", ()),
)
ALLOWED = ", ".join(ext for kind in KINDS for ext in kind.extensions)


def detect_type(name: str, content: bytes, *, max_bytes: int) -> str:
    """The content type to store, or a ValidationError that says plainly what is wrong."""
    if not content:
        raise ValidationError("The file is empty.")
    if len(content) > max_bytes:
        raise ValidationError(f"The file is larger than the limit of {max_bytes // (1024 * 1024)} MB.")
    lowered = name.lower()
    for kind in KINDS:
        if lowered.endswith(kind.extensions):
            if kind.magic and not content.startswith(kind.magic):
                raise ValidationError(f"The file's content is not a {kind.extensions[0]} file, whatever its name says.")
            if not kind.magic:
                try:
                    text = content.decode("utf-8")
                except UnicodeDecodeError:
                    raise ValidationError("A .txt file must be UTF-8 text.") from None
                if "\x00" in text:
                    raise ValidationError("A .txt file must be text, not binary data.")
            return kind.content_type
    raise ValidationError(f"This type of file is not accepted. Accepted: {ALLOWED}.")


def clean_name(name: str) -> str:
    """The name shown to people: no folders, no control characters. Never used as a path."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip() or "document"
    return base[:200]


def attachment_response(content: bytes, *, content_type: str, name: str) -> HttpResponse:
    """A download that the browser saves, never renders; the name is RFC 6266-encoded, never a path."""
    response = HttpResponse(content, content_type=content_type)
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
