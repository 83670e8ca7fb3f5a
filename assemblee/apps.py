from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssembleeConfig(AppConfig):
    name = "assemblee"
    verbose_name = _("Assemblée")

    def ready(self) -> None:
        from assemblee import signals

        signals.connect()
