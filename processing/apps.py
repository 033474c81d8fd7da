from django.apps import AppConfig


class ProcessingConfig(AppConfig):
    name = "processing"
    verbose_name = "Records of processing"
    default_auto_field = "django.db.models.BigAutoField"
