"""Reference data, editable in the admin: legal forms, sectors (filières), offer categories."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class ReferenceData(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("nom"), max_length=120)
    name_en = models.CharField(_("nom en anglais"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name


class LegalForm(ReferenceData):
    class Meta(ReferenceData.Meta):
        verbose_name = _("forme juridique")
        verbose_name_plural = _("formes juridiques")


class Sector(ReferenceData):
    class Meta(ReferenceData.Meta):
        verbose_name = _("filière")
        verbose_name_plural = _("filières")


class OfferCategory(ReferenceData):
    class Meta(ReferenceData.Meta):
        verbose_name = _("catégorie d'offre")
        verbose_name_plural = _("catégories d'offre")
