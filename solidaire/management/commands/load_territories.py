"""Load the official territories (solidaire/fixtures/territories.json.xz) into the database.

Safe to run on every deployment: it only writes what changed.
"""

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from solidaire.territories import DEFAULT_FIXTURE, TerritoryFixtureError, load_territories


class Command(BaseCommand):
    help = "Load or update the regions, départements and communes from the territories fixture."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--region",
            metavar="CODE",
            help="Only this region (INSEE code, e.g. 53 for Bretagne) and its communes.",
        )
        parser.add_argument("--fixture", type=Path, default=DEFAULT_FIXTURE, help="The fixture to load.")

    def handle(self, *args: Any, region: str | None, fixture: Path, **options: Any) -> None:
        started = time.monotonic()
        self.stdout.write(f"Loading {fixture}" + (f" (region {region} only)" if region else "") + "…")
        try:
            counts = load_territories(fixture, only_region=region, stdout=self.stdout)
        except TerritoryFixtureError as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        if counts["created"] or counts["updated"]:
            message = f"{counts['created']} created, {counts['updated']} updated in {elapsed:.1f} s."
        else:
            message = f"Already up to date ({elapsed:.1f} s)."
        self.stdout.write(self.style.SUCCESS(message))
