from typing import Any

from django.apps import AppConfig


def discard_kept_pdfs_on_rekey(holder: Any, new_key_id: Any, report: Any) -> list[str]:
    """A rotation of an engagement's data key discards its agreements' kept PDFs, sealed under the
    old key: the next download renders under the new one. Nothing on disk to remove afterwards."""
    from confidentiality.keptpdf import discard
    from consent.models import AgreementPdf

    discard(AgreementPdf, agreement__engagement_id=holder.pk)
    return []


class ConsentConfig(AppConfig):
    name = "consent"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from confidentiality import rotation

        if discard_kept_pdfs_on_rekey not in rotation.FILE_REKEYERS:
            rotation.FILE_REKEYERS.append(discard_kept_pdfs_on_rekey)
