from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VitrineConfig(AppConfig):
    name = "vitrine"
    verbose_name = _("Vitrine")

    def ready(self) -> None:
        # In every process (web, Celery worker, shell, commands), before any write: a status
        # change made by the worker (listing expiry) moves the cache on as surely as one
        # made in a view. The showcase owns no model (DESIGN §1).
        from vitrine import signals

        signals.connect()
