from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from solidaire.audit import Anchor, head, verify_chain


class Command(BaseCommand):
    help = (
        "Vérifie la chaîne du journal d'audit et signale la première entrée altérée ; avec --anchor, "
        "vérifie aussi qu'une entrée dont l'empreinte a été copiée ailleurs est toujours à sa place."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor",
            help="Une ancre (procès-verbal, page SCDL, email quotidien) : NUMÉRO:EMPREINTE.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        anchor = None
        if options["anchor"]:
            try:
                anchor = Anchor.parse(options["anchor"])
            except ValueError as error:
                raise CommandError(str(error)) from error
        checked, broken = verify_chain(anchor)
        if broken and broken.entry_id is None:
            raise CommandError(f"Journal d'audit altéré : {broken.reason} ({checked} entrées vérifiées).")
        if broken:
            raise CommandError(
                f"Journal d'audit altéré à l'entrée n° {broken.entry_id} ({broken.reason}) ; "
                f"{checked} entrées vérifiées avant elle."
            )
        self.stdout.write(self.style.SUCCESS(f"Journal d'audit intègre : {checked} entrées vérifiées."))
        if anchor is not None:
            self.stdout.write(f"L'entrée ancrée {anchor.hash} est à sa place, et la chaîne intègre depuis.")
        current = head()
        if current is not None:
            self.stdout.write(f"Dernière entrée : {current}")
