"""Fills the database with realistic demo data. Idempotent: a second run changes nothing.

Each app adds its part in a `demo.py` module with a `populate(out)` function;
they run in the order of the layers (DESIGN §1), so an app finds the data of
the apps it depends on.
"""

import importlib
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

APP_ORDER = ["solidaire", "referentiel", "assemblee", "vitrine", "subventions"]


class Command(BaseCommand):
    help = "Charge les données de démonstration (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        # The notifications that building the demo triggers (reviews assigned...) are not sent.
        with override_settings(
            MAILERS={"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
        ):
            self._populate()
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))

    def _populate(self) -> None:
        for label in APP_ORDER:
            if not apps.is_installed(label):
                continue
            try:
                module = importlib.import_module(f"{label}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{label}.demo":
                    raise
                continue
            self.stdout.write(self.style.MIGRATE_HEADING(f"[{label}]"))
            with transaction.atomic():
                module.populate(self.stdout)
