from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from confidentiality.keptpdf import discard_on_rekey
        from reports.models import ReportPdf

        discard_on_rekey(ReportPdf, "report__engagement_id")
