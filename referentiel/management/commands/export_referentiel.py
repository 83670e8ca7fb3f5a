"""Write a référentiel version as YAML, in the format import_referentiel reads.

manage.py export_referentiel 1                 # to stdout
manage.py export_referentiel 1 -o v1.yaml      # to a file
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from referentiel.models import Referentiel
from referentiel.yaml_io import export_version


class Command(BaseCommand):
    help = "Write a référentiel version (its domains and criteria) as YAML."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("version", type=int, help="The version number.")
        parser.add_argument("-o", "--output", type=Path, help="Write to this file instead of stdout.")

    def handle(self, *args: Any, version: int, output: Path | None, **options: Any) -> None:
        referentiel = Referentiel.objects.filter(version=version).first()
        if referentiel is None:
            versions = Referentiel.objects.order_by("version").values_list("version", flat=True)
            existing = ", ".join(str(v) for v in versions) or "none"
            raise CommandError(f"There is no référentiel version {version} (existing versions: {existing}).")
        text = export_version(referentiel)
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot write {output} ({error.strerror}).") from error
        self.stdout.write(self.style.SUCCESS(f"Wrote référentiel v{version} to {output}."))
