from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class SolidaireConfig(AppConfig):
    name = "solidaire"
    verbose_name = _("Plateforme")

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        from solidaire import checks, signals  # noqa: F401 - checks registers itself

        # Pillow refuses images past twice this limit and warns past it; we
        # turn the warning into a refusal in solidaire.lib.images.
        Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS
        signals.connect()


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin, whose site signs in through allauth (solidaire.admin_site)."""

    default = False
    default_site = "solidaire.admin_site.AdminSite"
