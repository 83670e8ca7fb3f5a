"""Régions, départements and communes, from the official administrative division."""

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from solidaire.lib.text import fold


class Region(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        verbose_name = _("région")
        verbose_name_plural = _("régions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Departement(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements")

    class Meta:
        verbose_name = _("département")
        verbose_name_plural = _("départements")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CommuneQuerySet(models.QuerySet["Commune"]):
    def search(self, query: str) -> "CommuneQuerySet":
        """Communes whose name starts with `query` (accents ignored) or whose postcode
        or INSEE code starts with it, the most populated first."""
        query = query.strip()
        if not query:
            return self.none()
        if query.isdigit():
            condition = Q(insee__startswith=query) | Q(postcodes__icontains=f'"{query}')
        else:
            folded = fold(query)
            hyphenated = folded.replace(" ", "-")
            condition = Q(search_name__startswith=folded) | Q(search_name__startswith=hyphenated)
        return self.filter(condition).order_by("-population", "name")

    def named(self, name: str) -> "CommuneQuerySet":
        """Communes of exactly this name, accents ignored ("Saint Malo" finds Saint-Malo)."""
        folded = fold(name)
        return self.filter(Q(search_name=folded) | Q(search_name=folded.replace(" ", "-")))


class Commune(models.Model):
    insee = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    # Lower-case, accent-free name for look-ups that ignore accents on any database.
    search_name = models.CharField(max_length=100, db_index=True, editable=False)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="communes")
    postcodes = models.JSONField(_("codes postaux"), default=list)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]

    def __str__(self) -> str:
        postcode = self.postcodes[0] if self.postcodes else self.departement_id
        return f"{self.name} ({postcode})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_name = fold(self.name)
        super().save(*args, **kwargs)
