from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VitrineConfig(AppConfig):
    name = "vitrine"
    verbose_name = _("Vitrine")
