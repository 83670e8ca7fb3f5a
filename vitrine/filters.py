"""The selection of the showcase: from the GET parameters of a page to the filtered,
ordered queryset of listed organisations.

The list, the map, its GeoJSON and the open-data exports all call `select_organisations`
(or build an `OrganisationFilter`), so that one URL query string means the same
organisations everywhere. Validating the parameters costs no query: codes are checked by
their shape, and a well-formed code that matches nothing selects nothing. The filter form
that shows the options of these filters, with their counts, is built in vitrine.facets.
"""

from collections.abc import Mapping

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy

from solidaire.models import DomainMet, Offer, Organisation
from vitrine.search import search

SEARCH_MAX_LENGTH = 200

# \Z, not $: $ also matches before a final newline, and the codes of the domains (a list,
# which Django does not strip) would take "gouvernance\n" for a code.
CODE = RegexValidator(r"^[-a-zA-Z0-9_]{1,60}\Z", gettext_lazy("Code invalide."))
REGION_CODE = RegexValidator(r"^[0-9]{2,3}$", gettext_lazy("Code de région invalide."))
DEPARTEMENT_CODE = RegexValidator(r"^(?:[0-9]{2,3}|2[AB])$", gettext_lazy("Code de département invalide."))
INSEE_CODE = RegexValidator(r"^[0-9][0-9AB][0-9]{3}$", gettext_lazy("Code INSEE de commune invalide."))


class Sort(models.TextChoices):
    RELEVANCE = "pertinence", gettext_lazy("pertinence")
    NAME = "nom", gettext_lazy("nom")
    NEWEST = "recent", gettext_lazy("référencement le plus récent")


# Each ordering ends with the id, so that paging is stable; the name and date orderings
# follow the partial indexes organisation_listed_name and organisation_listed_since.
ORDERINGS = {
    Sort.RELEVANCE: ("-rank", "sort_name", "id"),
    Sort.NAME: ("sort_name", "id"),
    Sort.NEWEST: ("-listed_since", "-id"),
}


class CodeListField(forms.Field):
    """Repeated GET parameters (`?domaine=a&domaine=b`), each a code."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: object) -> list[str]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return list(dict.fromkeys(str(v) for v in values if v))[:20]

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        for code in value:
            CODE(code)


class CodeListFilter(django_filters.Filter):
    field_class = CodeListField


class OrganisationFilter(django_filters.FilterSet):
    """The GET parameters of the showcase. Names are French: they are in the public URLs."""

    q = django_filters.CharFilter(method="filter_search", max_length=SEARCH_MAX_LENGTH)
    region = django_filters.CharFilter(field_name="commune__departement__region_id", validators=[REGION_CODE])
    departement = django_filters.CharFilter(
        field_name="commune__departement_id", validators=[DEPARTEMENT_CODE]
    )
    commune = django_filters.CharFilter(field_name="commune_id", validators=[INSEE_CODE])
    filiere = django_filters.CharFilter(field_name="sector__code", validators=[CODE])
    forme = django_filters.CharFilter(field_name="legal_form__code", validators=[CODE])
    categorie = django_filters.CharFilter(method="filter_category", validators=[CODE])
    domaine = CodeListFilter(method="filter_domains")
    # Applied last, by filter_queryset, since relevance needs the search.
    tri = django_filters.ChoiceFilter(choices=Sort.choices, method="keep")

    class Meta:
        model = Organisation
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search(queryset, value)

    def filter_category(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        offers = Offer.objects.filter(organisation=OuterRef("pk"), category__code=value)
        return queryset.filter(Exists(offers))

    def filter_domains(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        # An organisation must meet every domain asked for.
        for code in value:
            queryset = queryset.filter(
                Exists(DomainMet.objects.filter(organisation=OuterRef("pk"), code=code))
            )
        return queryset

    def keep(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return super().filter_queryset(queryset).order_by(*ORDERINGS[self.sort])

    @property
    def cleaned_data(self) -> dict:
        """The valid parameters; invalid ones are left out (and shown as errors)."""
        self.form.is_valid()
        return self.form.cleaned_data

    @property
    def searching(self) -> bool:
        return bool(self.cleaned_data.get("q"))

    @property
    def default_sort(self) -> Sort:
        return Sort.RELEVANCE if self.searching else Sort.NAME

    @property
    def sort(self) -> Sort:
        """The order asked for; the default when none is, or relevance without a search."""
        chosen = self.cleaned_data.get("tri")
        if not chosen or (chosen == Sort.RELEVANCE and not self.searching):
            return self.default_sort
        return Sort(chosen)

    @property
    def params(self) -> QueryDict:
        """The valid, non-empty parameters: the canonical query string of this selection,
        for the links to other pages of it (pagination, map, list)."""
        params = QueryDict(mutable=True)
        for name, value in self.cleaned_data.items():
            if isinstance(value, list):
                if value:
                    params.setlist(name, value)
            elif value:
                params[name] = value
        return params


def listed_organisations() -> QuerySet[Organisation]:
    """Every public page starts here: listed organisations only, without the search columns."""
    return Organisation.objects.listed().defer("search_vector", "search_text")


def organisation_filter(params: Mapping) -> OrganisationFilter:
    return OrganisationFilter(params, queryset=listed_organisations())


def select_organisations(params: Mapping) -> QuerySet[Organisation]:
    """The listed organisations that GET parameters select, in the order they ask for."""
    return organisation_filter(params).qs
