from django.apps import AppConfig
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
