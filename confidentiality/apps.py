from django.apps import AppConfig


class ConfidentialityConfig(AppConfig):
    name = "confidentiality"
    verbose_name = "Confidentiality core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from confidentiality import checks as _checks  # noqa: F401 - registers the deploy checks
        from confidentiality import credentials
        from confidentiality.adapters import connect_authenticator_binding

        credentials.connect()
        connect_authenticator_binding()
