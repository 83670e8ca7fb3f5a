"""The selection of the showcase: from the GET parameters of a page to the filtered,
ordered queryset of listed organisations.

The list, the map, its GeoJSON and the open-data exports all call `select_organisations`
(or build an `OrganisationFilter`), so that one URL query string means the same
organisations everywhere. Validating the parameters costs no query: codes are checked by
their shape, and a well-formed code that matches nothing selects nothing.

`filter_panel` gathers what the filter form shows: the options of each filter, with counts
where one query gives them, and the number of organisations selected, so that a page costs
the same number of queries whatever its filters and its data. The counts per territory and
sector are read from ListedCount when the selection is by territory and sector alone (on
PostgreSQL), and counted with a GROUP BY otherwise.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db import connection, models
from django.db.models import Count, Exists, Func, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Left
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from referentiel.models import Domain, Referentiel
from solidaire.models import (
    Commune,
    Departement,
    DomainMet,
    LegalForm,
    ListedCount,
    Offer,
    OfferCategory,
    Organisation,
    Sector,
)
from vitrine.search import search

SEARCH_MAX_LENGTH = 200
# Beyond this many communes in a selection, the commune filter offers the communes with the
# most organisations (choosing a département first narrows the list).
COMMUNE_OPTIONS = 150

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


# --- The filter form ---------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    count: int | None = None

    @property
    def text(self) -> str:
        return self.label if self.count is None else f"{self.label} ({self.count})"


@dataclass
class Facet:
    """One filter of the form: a select, or checkboxes when `multiple`."""

    name: str
    label: str
    options: list[Option]
    selected: list[str] = field(default_factory=list)
    empty_label: str = ""
    multiple: bool = False
    note: str = ""

    def options_html(self) -> SafeString:
        """The <option> elements, built here: rendering each through a widget template cost
        10 to 18 ms a page (PERFORMANCE.md), and through format_html 2 ms for the 300
        options of a page; html.escape is what Django's escape() calls."""
        chosen = set(self.selected)
        return mark_safe(  # noqa: S308 - every value and text goes through html.escape below
            "".join(
                f'<option value="{escape(o.value)}"{" selected" if o.value in chosen else ""}>'
                f"{escape(o.text)}</option>"
                for o in self.options
            )
        )

    @property
    def selected_labels(self) -> list[tuple[str, str]]:
        labels = {option.value: option.label for option in self.options}
        return [(value, labels.get(value, value)) for value in self.selected]


@dataclass
class FilterPanel:
    count: int  # organisations in the selection, which its list pages and its map show
    facets: dict[str, Facet]
    params: QueryDict
    search: str
    sort: str
    sorts: list[tuple[str, str]]
    errors: list[str]

    def __iter__(self):
        return iter(self.facets.values())

    @property
    def active(self) -> list[tuple[str, str]]:
        """(label, query string without it) of each filter in use, to show it and remove it."""
        active = []
        if self.search:
            params = self.params.copy()
            params.pop("q", None)
            active.append((_("Recherche : « %(text)s »") % {"text": self.search}, params.urlencode()))
        for facet in self.facets.values():
            for value, label in facet.selected_labels:
                params = self.params.copy()
                params.setlist(facet.name, [v for v in params.getlist(facet.name) if v != value])
                active.append((f"{facet.label} : {label}", params.urlencode()))
        return active


def filter_panel(filterset: OrganisationFilter) -> FilterPanel:
    """Everything the filter form shows, and the number of organisations selected, in a
    fixed number of queries (9).

    The number selected comes from the counts per sector, which leave out the sector filter
    alone: their sum without that filter, the chosen sector's count with it (every
    organisation has a sector). Counting the selection again cost 2 to 3 ms more."""
    data = filterset.cleaned_data
    sectors = _reference(Sector)
    chosen = data.get("filiere")
    sector_id = None  # set when the counts come from ListedCount (see _counted)
    if _counted(filterset):
        # 0 stands for all the sectors; a code that matches none selects nothing.
        sector_id = next((pk for pk, code, _name, _name_en in sectors if code == chosen), -1) if chosen else 0
        sector_counts = dict(_sector_counts(data))
    else:
        # By id, not code: the counts then read the index organisation_listed_facets alone.
        sector_counts = dict(_counts(filterset, ["filiere"], "sector_id"))
    if chosen:
        count = sum(sector_counts.get(pk, 0) for pk, code, _name, _name_en in sectors if code == chosen)
    else:
        count = sum(sector_counts.values())
    current = Referentiel.objects.published().order_by("-version").values("pk")[:1]
    domains = Domain.objects.filter(referentiel=Subquery(current)).order_by("position")
    facets = [
        *_territories(filterset, sector_id),
        Facet(
            "filiere",
            _("Filière"),
            [Option(row[1], _label(row), sector_counts.get(row[0], 0)) for row in sectors],
            _selected(data.get("filiere")),
            _("Toutes les filières"),
        ),
        Facet(
            "forme",
            _("Forme juridique"),
            [Option(row[1], _label(row)) for row in _reference(LegalForm)],
            _selected(data.get("forme")),
            _("Toutes les formes juridiques"),
        ),
        Facet(
            "categorie",
            _("Catégorie d'offre"),
            [Option(row[1], _label(row)) for row in _reference(OfferCategory)],
            _selected(data.get("categorie")),
            _("Toutes les catégories"),
        ),
        Facet(
            "domaine",
            _("Domaines du référentiel satisfaits"),
            [Option(row[1], _label(row)) for row in domains.values_list("pk", "code", "name", "name_en")],
            data.get("domaine") or [],
            multiple=True,
        ),
    ]
    return FilterPanel(
        count=count,
        facets={facet.name: facet for facet in facets},
        params=filterset.params,
        search=data.get("q") or "",
        sort="" if filterset.sort == filterset.default_sort else filterset.sort,
        sorts=_sorts(filterset.searching),
        errors=[
            format_html("{} : {}", FIELD_LABELS.get(name, name), error)
            for name, messages in filterset.form.errors.items()
            for error in messages
        ],
    )


def _territories(filterset: OrganisationFilter, sector_id: int | None) -> list[Facet]:
    """Région, département and commune, in four queries whatever the data: the names of
    the départements with their région; the counts per département; the communes offered,
    the most frequent first, counted and cut in SQL; their names.

    The counts come from ListedCount when `sector_id` is given (see _counted; 0 for all the
    sectors). Otherwise the organisations are counted: per département with one GROUP BY on
    the first three characters of the commune's INSEE code, over the organisations alone
    (about 250 rows, summed up here: joining the 35,000 communes cost 20 ms at 10,000
    organisations, and grouping by commune sent 5,000 rows through Python, 12 ms)."""
    data = filterset.cleaned_data
    region, departement, commune = data.get("region"), data.get("departement"), data.get("commune")
    departements = list(
        Departement.objects.order_by("code").values_list("code", "name", "region_id", "region__name")
    )
    region_of = {code: region_id for code, _name, region_id, _region_name in departements}
    by_region: dict[str, int] = defaultdict(int)
    by_departement: dict[str, int] = defaultdict(int)
    if sector_id is None:
        per_departement = _counts(filterset, ["region", "departement", "commune"], Left("commune_id", 3))
        per_commune = _counts(filterset, ["commune"], "commune_id").order_by("-n", "commune_id")
    else:
        listed = ListedCount.objects.filter(n__gt=0, sector=sector_id)
        per_departement = listed.filter(commune="").exclude(departement="").values_list("departement", "n")
        per_commune = (
            _within_territory(listed, data)
            .exclude(commune="")
            .order_by("-n", "commune")
            .values_list("commune", "n")
        )
    for prefix, n in per_departement:
        dep = departement_of(prefix)
        by_region[region_of.get(dep, "")] += n
        # Each filter counts over the others: départements within the chosen région,
        # communes within the chosen région and département.
        if region in (None, "", region_of.get(dep)):
            by_departement[dep] += n
    communes = list(per_commune[: COMMUNE_OPTIONS + 1])
    note = ""
    if len(communes) > COMMUNE_OPTIONS:
        communes = communes[:COMMUNE_OPTIONS]
        note = _(
            "Seules les %(count)s communes qui comptent le plus d'organisations sont proposées : "
            "choisissez d'abord un département."
        ) % {"count": COMMUNE_OPTIONS}
    counts = dict(communes)
    if commune:
        counts.setdefault(commune, 0)
    names = dict(Commune.objects.filter(insee__in=counts).values_list("insee", "name"))
    commune_options = sorted(
        (Option(insee, names.get(insee, insee), n) for insee, n in counts.items()), key=lambda o: o.label
    )
    region_names = {region_id: name for _code, _name, region_id, name in departements}
    if region:
        region_names.setdefault(region, region)
    regions = [
        Option(code, name, by_region[code])
        for code, name in sorted(region_names.items(), key=lambda item: item[1])
        if by_region.get(code) or code == region
    ]
    departement_options = [
        Option(code, f"{code} – {name}", by_departement[code])
        for code, name, _region, _region_name in departements
        if by_departement.get(code) or code == departement
    ]
    return [
        Facet("region", _("Région"), regions, _selected(region), _("Toutes les régions")),
        Facet(
            "departement",
            _("Département"),
            departement_options,
            _selected(departement),
            _("Tous les départements"),
        ),
        Facet(
            "commune", _("Commune"), commune_options, _selected(commune), _("Toutes les communes"), note=note
        ),
    ]


def departement_of(insee: str) -> str:
    """The département of a commune, from its INSEE code (or the first three characters of
    it): its first two characters (2A and 2B in Corsica), three overseas (971 to 976)."""
    return insee[:3] if insee.startswith("97") else insee[:2]


# The filters whose counts ListedCount holds (and the sort, which selects nothing).
COUNTED_FILTERS = {"region", "departement", "commune", "filiere", "tri"}


def _counted(filterset: OrganisationFilter) -> bool:
    """Whether ListedCount gives the counts of this selection: on PostgreSQL, whose triggers
    keep it, for a selection by territory and sector only. A search, a legal form, an offer
    category or a domain met select organisations that only counting them finds."""
    return connection.vendor == "postgresql" and not any(
        value for name, value in filterset.cleaned_data.items() if name not in COUNTED_FILTERS
    )


def _within_territory(rows: QuerySet[ListedCount], data: Mapping) -> QuerySet[ListedCount]:
    """The rows of ListedCount within the région and the département that `data` chose."""
    if region := data.get("region"):
        rows = rows.filter(departement__in=Departement.objects.filter(region_id=region).values("code"))
    if departement := data.get("departement"):
        rows = rows.filter(departement=departement)
    return rows


def _sector_counts(data: Mapping) -> QuerySet:
    """(sector id, n) from ListedCount: the organisations of each sector in the commune, the
    département or the région chosen, or in all."""
    rows = _within_territory(ListedCount.objects.filter(n__gt=0, sector__gt=0), data)
    if commune := data.get("commune"):
        rows = rows.filter(commune=commune)
    elif data.get("region") or data.get("departement"):
        rows = rows.filter(commune="").exclude(departement="")
    else:
        rows = rows.filter(departement="", commune="")
    return rows.values_list("sector").annotate(total=Sum("n")).order_by()


def _counts(filterset: OrganisationFilter, without: Iterable[str], *group_by: str | Func) -> QuerySet:
    """Rows of `group_by` values and `n`, over the selection without the filters `without`:
    each filter shows what choosing one of its options would give, the others unchanged.
    The filters already validated are applied again, rather than a new FilterSet built and
    validated for each count (1 to 2 ms each)."""
    selection = listed_organisations()
    for name, value in filterset.cleaned_data.items():
        if name not in without:
            selection = filterset.filters[name].filter(selection, value)
    return selection.values_list(*group_by).annotate(n=Count("pk")).order_by()


def _sorts(searching: bool) -> list[tuple[str, str]]:
    """The choices of the sort select. The first, empty, is the default (relevance when
    searching, the name otherwise), so that a search typed after browsing by name, without
    touching the select, is sorted by relevance."""
    if searching:
        return [("", Sort.RELEVANCE.label), (Sort.NAME, Sort.NAME.label), (Sort.NEWEST, Sort.NEWEST.label)]
    return [("", Sort.NAME.label), (Sort.NEWEST, Sort.NEWEST.label)]


def _label(row: tuple[int, str, str, str]) -> str:
    """Name of a reference row (pk, code, name, name_en) in the active language."""
    _pk, _code, name, name_en = row
    return name_en if get_language() == "en" and name_en else name


def _reference(model: type[models.Model]) -> list[tuple[int, str, str, str]]:
    return list(model.objects.order_by("position", "name").values_list("pk", "code", "name", "name_en"))


def _selected(value: str | None) -> list[str]:
    return [value] if value else []


FIELD_LABELS = {
    "q": gettext_lazy("Recherche"),
    "region": gettext_lazy("Région"),
    "departement": gettext_lazy("Département"),
    "commune": gettext_lazy("Commune"),
    "filiere": gettext_lazy("Filière"),
    "forme": gettext_lazy("Forme juridique"),
    "categorie": gettext_lazy("Catégorie d'offre"),
    "domaine": gettext_lazy("Domaines du référentiel satisfaits"),
    "tri": gettext_lazy("Tri"),
    "page": gettext_lazy("Page"),
}
