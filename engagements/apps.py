from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "engagements"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from confidentiality import rotation
        from engagements.documents import bind_document_files, rekey_document_files

        # Documents' stored files are encrypted under the engagement's data key: a rotation of that
        # key re-encrypts them too.
        if rekey_document_files not in rotation.FILE_REKEYERS:
            rotation.FILE_REKEYERS.append(rekey_document_files)
        if bind_document_files not in rotation.FILE_BINDERS:
            rotation.FILE_BINDERS.append(bind_document_files)
