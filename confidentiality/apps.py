from django.apps import AppConfig


class ConfidentialityConfig(AppConfig):
    name = "confidentiality"
    verbose_name = "Confidentiality core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from confidentiality import credentials

        credentials.connect()
