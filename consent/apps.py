from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from confidentiality.keptpdf import discard_on_rekey
        from consent.models import AgreementPdf

        discard_on_rekey(AgreementPdf, "agreement__engagement_id")
