"""PDFs of documents that no longer change (a released report, an agreement), rendered once and kept.

WeasyPrint takes 40 ms or more of processor time for a one-page report, and 0.6 s for the first in
a process; the same released report was rendered again on every download. Now it is rendered once,
kept, and served from the kept copy:

- What is kept is the document without its watermark; each download stamps the reader and the
  time on every page (``confidentiality.pdf.stamp_watermark``), and the view audits the download
  exactly as before. Who may download is decided before any of this is asked.
- A copy is served only if the HTML it was made from is, byte for byte, the HTML the document
  would be made from now. The HTML's SHA-256 is kept inside the ciphertext (a digest of
  confidential text is never stored in the clear): anything the PDF shows that changes (a name,
  the letterhead, the template after a deploy) renders it again and replaces the copy.
- The copy is sealed under the engagement's data key, bound to its model, its document, its
  audience and the engagement, so it opens nowhere else. It is a row in the database, not a file:
  it is written and discarded in the same transactions as what it depends on, and nothing is left
  on disk by a crash.
- The row points at its document, so it goes with it: deleted with the report or agreement, and by
  the retention sweep and erasure (``retention.engine`` follows every foreign key); the engagement's
  data key, destroyed with it, leaves any other copy of the ciphertext unreadable.
- A rotation of the engagement's data key discards its copies (``discard_on_rekey``, registered in
  ``confidentiality.rotation.FILE_REKEYERS`` by each app that keeps them).
- A copy that does not open (its key rotated or destroyed under it) is rendered again: the document
  itself is the source of truth, the copy only saves work.
- Two first downloads at once both render; one row is kept (unique per document and audience).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone

from confidentiality.crypto import DecryptionError, decrypt_blob, encrypt_blob, load_data_keys, remember_data_keys
from confidentiality.records import record_label

_DIGEST_BYTES = 32


class KeptPdf(models.Model):
    """A document's PDF without its watermark, encrypted under its engagement's data key.
    Concrete models add the foreign key named by ``kept_for`` (on_delete=CASCADE)."""

    kept_for: ClassVar[str] = ""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # A version made for one kind of reader, where the document shows them different things.
    audience = models.CharField(max_length=20, blank=True, default="")
    key_id = models.UUIDField(help_text="The data key it is sealed under: its engagement's.")
    sealed = models.BinaryField()
    rendered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


def _aad(model: type[KeptPdf], document_id: Any, audience: str, engagement: Any, key_id: uuid.UUID) -> bytes:
    return f"{record_label(model)}:{document_id}|{audience}|owner:{engagement.pk}|key:{key_id}".encode()


def kept_pdf(
    model: type[KeptPdf], *, document: Any, engagement: Any, html: str, render: Any, audience: str = ""
) -> bytes:
    """The PDF of ``html`` (``document``'s, without a watermark): the kept copy if it was made from
    this very HTML, else ``render(html)``, which is then kept in place of any older copy."""
    digest = hashlib.sha256(html.encode("utf-8")).digest()
    lookup = {model.kept_for: document, "audience": audience}
    key_id = engagement.data_key_id
    if type(engagement).data_key.is_cached(engagement):
        remember_data_keys([engagement.data_key])  # read with the engagement: no query of its own
    kept = model._default_manager.filter(**lookup).only("pk", "key_id", "sealed").first()
    if kept is not None and kept.key_id == key_id:
        try:
            load_data_keys([key_id])
            plain = decrypt_blob(
                bytes(kept.sealed),
                aad=_aad(model, document.pk, audience, engagement, key_id),
                where=f"kept PDF {kept.pk}",
            )
        except DecryptionError:
            plain = b""
        if plain[:_DIGEST_BYTES] == digest:
            return plain[_DIGEST_BYTES:]
    pdf = bytes(render(html))
    sealed = encrypt_blob(digest + pdf, key_id=key_id, aad=_aad(model, document.pk, audience, engagement, key_id))
    rows = model._default_manager
    if kept is not None:
        rows.filter(pk=kept.pk).update(key_id=key_id, sealed=sealed, rendered_at=timezone.now())
    else:
        # If another download kept the same copy a moment before (the unique constraint), that one stays.
        rows.bulk_create([model(**lookup, key_id=key_id, sealed=sealed)], ignore_conflicts=True)
    return pdf


def discard(model: type[KeptPdf], **filters: Any) -> int:
    """Delete the kept copies that match ``filters``; returns how many went."""
    return int(model._default_manager.filter(**filters).delete()[0])


def kept_pdf_for_reader(
    model: type[KeptPdf],
    *,
    document: Any,
    engagement: Any,
    template: str,
    context: dict[str, Any],
    reader: Any,
    audience: str = "",
) -> bytes:
    """``document``'s PDF for ``reader``: the kept copy with their watermark stamped on every page,
    or, for a name Helvetica cannot write, the whole PDF rendered by WeasyPrint with it, as before."""
    from confidentiality.pdf import pdf_from_html, render_html, stamp_watermark, watermark_text

    html = render_html(template, context)
    body = kept_pdf(model, document=document, engagement=engagement, html=html, render=pdf_from_html, audience=audience)
    watermark = watermark_text(reader)
    stamped = stamp_watermark(body, watermark)
    if stamped is None:
        return pdf_from_html(render_html(template, context, watermark=watermark))
    return stamped


def discard_on_rekey(model: type[KeptPdf], engagement_lookup: str) -> None:
    """Registers, in ``confidentiality.rotation.FILE_REKEYERS``, that a rotation of an engagement's data
    key discards ``model``'s copies sealed under the old key (``engagement_lookup``: the filter that
    names the engagement, e.g. ``report__engagement_id``); the next download renders under the new
    one. Nothing on disk to remove afterwards. Called from the app's ``ready``, once however often."""
    from confidentiality import rotation

    if (model, engagement_lookup) in _DISCARDED_ON_REKEY:
        return
    _DISCARDED_ON_REKEY.add((model, engagement_lookup))

    def rekey(holder: Any, new_key_id: Any, report: Any) -> list[str]:
        discard(model, **{engagement_lookup: holder.pk})
        return []

    rotation.FILE_REKEYERS.append(rekey)


_DISCARDED_ON_REKEY: set[tuple[type[KeptPdf], str]] = set()
