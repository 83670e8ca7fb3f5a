from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubventionsConfig(AppConfig):
    name = "subventions"
    verbose_name = _("Subventions")
