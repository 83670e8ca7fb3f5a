from django.core.management.base import BaseCommand, CommandError

from solidaire.audit import verify_chain


class Command(BaseCommand):
    help = "Vérifie la chaîne du journal d'audit et signale la première entrée altérée."

    def handle(self, *args, **options) -> None:
        checked, broken = verify_chain()
        if broken:
            raise CommandError(
                f"Journal d'audit altéré à l'entrée n° {broken.entry_id} ({broken.reason}); "
                f"{checked} entrées vérifiées avant elle."
            )
        self.stdout.write(self.style.SUCCESS(f"Journal d'audit intègre : {checked} entrées vérifiées."))
