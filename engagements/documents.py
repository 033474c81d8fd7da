"""What a document may be: the type is decided from the file's own bytes, never the browser's word."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError


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


def _reseal_file(document: Any, content: bytes, *, key_id: Any, engagement_id: Any) -> str:
    """Write the document's content to a new file under ``key_id``, bound to the document and its
    engagement, and point the row at it. Returns the old file's name, which goes once this commits."""
    import uuid as uuid_module

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from confidentiality.crypto import encrypt_blob
    from engagements.models import Document
    from engagements.services import document_aad

    sealed = encrypt_blob(content, key_id=key_id, aad=document_aad(document.pk, engagement_id))
    new_name = default_storage.save(f"documents/{uuid_module.uuid4().hex}.bin", ContentFile(sealed))
    Document.objects.filter(pk=document.pk).update(blob_name=new_name)
    return str(document.blob_name)


def rekey_document_files(holder: Any, new_key_id: Any, report: Any) -> list[str]:
    """Documents' stored files are encrypted under the engagement key too: re-encrypt each into a
    new file under the new key and point the row at it. Returns the old files' names."""
    from django.core.files.storage import default_storage

    from engagements.models import Document, Engagement
    from engagements.services import document_content

    if not isinstance(holder, Engagement):
        return []
    old_names = []
    for document in Document.objects.filter(engagement=holder).iterator(chunk_size=100):
        with default_storage.open(document.blob_name, "rb") as handle:
            content = document_content(document, handle.read())
        old_names.append(_reseal_file(document, content, key_id=new_key_id, engagement_id=holder.pk))
        report.values_reencrypted += 1
        report.by_field["engagements.Document.file"] = report.by_field.get("engagements.Document.file", 0) + 1
    return old_names


def bind_document_files(batch_size: int, report: Any) -> None:
    """Rewrite each document file written before files were bound to their engagement, under the
    same key, bound to the document and its engagement (confidentiality.rotation.bind_ciphertexts).
    A file whose key is not its engagement's today (a row moved) is left and named in the report."""
    import uuid as uuid_module

    from django.core.files.storage import default_storage
    from django.db import transaction

    from confidentiality.crypto import DecryptionError, blob_is_bound
    from confidentiality.records import pk_batches
    from engagements.models import Document
    from engagements.services import document_content

    for batch in pk_batches(Document.objects.select_related("engagement"), batch_size):
        old_names: list[str] = []
        with transaction.atomic():
            for document in batch:
                refused = f"engagements.Document.file {document.pk}"
                try:
                    with default_storage.open(document.blob_name, "rb") as handle:
                        blob = handle.read()
                except OSError:
                    report.refused.append(refused + " (the file is missing)")
                    continue
                if blob_is_bound(blob):
                    continue
                key_id = document.engagement.data_key_id
                if len(blob) < 16 or uuid_module.UUID(bytes=blob[:16]) != key_id:
                    report.refused.append(refused)
                    continue
                try:
                    content = document_content(document, blob)
                except DecryptionError:
                    report.refused.append(refused)
                    continue
                old_names.append(_reseal_file(document, content, key_id=key_id, engagement_id=document.engagement_id))
                report.files_bound += 1
        # The old files go once the new names are committed.
        for name in old_names:
            default_storage.delete(name)
