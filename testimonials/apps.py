from django.apps import AppConfig


class TestimonialsConfig(AppConfig):
    name = "testimonials"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from consent import hooks
        from testimonials.services import flag_items_of_withdrawn_consents

        # Withdrawing a consent flags the items resting on it in the same transaction (consent does
        # not import this app: the layers run one way).
        if flag_items_of_withdrawn_consents not in hooks.ON_WITHDRAWAL:
            hooks.ON_WITHDRAWAL.append(flag_items_of_withdrawn_consents)
