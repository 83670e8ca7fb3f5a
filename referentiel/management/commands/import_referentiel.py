"""Import a référentiel version from a YAML file (format: referentiel/yaml_io.py).

    manage.py import_referentiel referentiel/data/referentiel-v2.yaml --publish

A malformed file, or a version number already taken, changes nothing: the command says what
is wrong and where, on stderr, and exits with status 1.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from referentiel import services
from referentiel.yaml_io import ReferentielFileError, import_version, load_yaml
from solidaire.models import AuditEntry


class Command(BaseCommand):
    help = "Create a référentiel version, its domains and criteria from a YAML file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The YAML file of the version.")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish the version at once (a published version can no longer be edited).",
        )

    def handle(self, *args: Any, file: Path, publish: bool, **options: Any) -> None:
        try:
            with transaction.atomic():
                referentiel = import_version(load_yaml(file), publish=False)
                AuditEntry.record(None, "referentiel.import", referentiel, file=str(file))
                if publish:  # through the service, so that publishing is audited like in the admin
                    services.publish(referentiel, by=None)
        except ReferentielFileError as error:
            raise CommandError(f"{file} was not imported: {error}") from error
        domains = referentiel.domains.count()
        criteria = sum(domain.criteria.count() for domain in referentiel.domains.all())
        state = "published" if referentiel.is_published else "not published (draft)"
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported référentiel v{referentiel.version} from {file}: "
                f"{domains} domains, {criteria} criteria, {state}."
            )
        )
