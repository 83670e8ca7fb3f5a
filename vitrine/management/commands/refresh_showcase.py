"""Recomputes the search columns and the domains met of every organisation.

The showcase keeps them up to date as organisations, offers and assessments change; run
this after a bulk import or an SQL fix that went around the models."""

from typing import Any

from django.core.management.base import BaseCommand

from solidaire.models import Organisation
from vitrine.search import refresh_showcase


class Command(BaseCommand):
    help = "Recalcule la recherche et les filtres de la vitrine pour toutes les organisations."

    def handle(self, *args: Any, **options: Any) -> None:
        refresh_showcase()
        count = Organisation.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Vitrine à jour : {count} organisations."))
