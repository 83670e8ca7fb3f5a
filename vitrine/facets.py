"""The filter form of the showcase: the options of each filter, with counts where one
query gives them, and the number of organisations selected, so that a page costs the same
number of queries whatever its filters and its data.

`filter_panel` builds it from a validated `OrganisationFilter` (vitrine.filters). The counts
per territory and sector are read from ListedCount when the selection is by territory and
sector alone (on PostgreSQL), and counted with a GROUP BY otherwise.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import connection
from django.db.models import Count, Func, QuerySet
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
    LegalForm,
    ListedCount,
    OfferCategory,
    Region,
    Sector,
)
from vitrine.filters import OrganisationFilter, Sort, listed_organisations

if TYPE_CHECKING:  # django-stubs-ext, a development dependency: a str or a lazy translation
    from django_stubs_ext import StrOrPromise

# Beyond this many communes in a selection, the commune filter offers the communes with the
# most organisations (choosing a département first narrows the list).
COMMUNE_OPTIONS = 150


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
        """The <option> elements, built here: a page has 300 of them, and rendering each
        through a widget template, or even through format_html, cost more than the rest of
        the form (docs/performance.md); html.escape is what Django's escape() calls."""
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
    sorts: "list[tuple[str, StrOrPromise]]"  # labels translated when shown
    errors: list[str]

    def __iter__(self) -> Iterator[Facet]:
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


class Reference(NamedTuple):
    """A sector, a legal form, an offer category or a domain, as the form offers it."""

    pk: int
    code: str
    name: str
    name_en: str


class DepartementRow(NamedTuple):
    code: str
    name: str
    region: str  # the code of its région
    region_name: str


@dataclass
class PanelData:
    """What the filter form is built from: the reference lists, and the counts of each facet
    over the selection without that facet's own filter."""

    sectors: list[Reference]  # in order
    legal_forms: list[Reference]
    categories: list[Reference]
    domains: list[Reference]  # of the current référentiel
    departements: list[DepartementRow]  # by code
    per_sector: dict[int, int]  # sector id: n, within the territory chosen
    per_departement: list[tuple[str, int]]  # (département code or INSEE prefix, n), in the sector
    communes: list[tuple[str, int]]  # (INSEE, n), most first, at most COMMUNE_OPTIONS + 1
    names: dict[str, str]  # INSEE: name, of the communes offered and of the one chosen


def filter_panel(filterset: OrganisationFilter) -> FilterPanel:
    """Everything the filter form shows, and the number of organisations selected: read in
    2 queries (_read) for a selection by territory and sector on PostgreSQL, counted in 5
    (_count) otherwise, whatever the data.

    The number selected comes from the counts per sector, which leave out the sector filter
    alone: their sum without that filter, the chosen sector's count with it (every
    organisation has a sector). Counting the selection again would be one more query over
    all of it."""
    data = filterset.cleaned_data
    panel = _read(data) if _readable(filterset) else _count(filterset)
    sector_counts = panel.per_sector
    if chosen := data.get("filiere"):
        count = sum(sector_counts.get(sector.pk, 0) for sector in panel.sectors if sector.code == chosen)
    else:
        count = sum(sector_counts.values())
    facets = [
        *_territories(data, panel),
        Facet(
            "filiere",
            _("Filière"),
            [Option(row.code, _label(row), sector_counts.get(row.pk, 0)) for row in panel.sectors],
            _selected(data.get("filiere")),
            _("Toutes les filières"),
        ),
        Facet(
            "forme",
            _("Forme juridique"),
            [Option(row.code, _label(row)) for row in panel.legal_forms],
            _selected(data.get("forme")),
            _("Toutes les formes juridiques"),
        ),
        Facet(
            "categorie",
            _("Catégorie d'offre"),
            [Option(row.code, _label(row)) for row in panel.categories],
            _selected(data.get("categorie")),
            _("Toutes les catégories"),
        ),
        Facet(
            "domaine",
            _("Domaines du référentiel satisfaits"),
            [Option(row.code, _label(row)) for row in panel.domains],
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


def _territories(data: Mapping, panel: PanelData) -> list[Facet]:
    """Région, département and commune. The régions' counts are the sums of their
    départements'; each filter counts over the others: départements within the chosen
    région, communes within the chosen région and département."""
    region, departement, commune = data.get("region"), data.get("departement"), data.get("commune")
    region_of = {row.code: row.region for row in panel.departements}
    by_region: dict[str, int] = defaultdict(int)
    by_departement: dict[str, int] = defaultdict(int)
    for prefix, n in panel.per_departement:
        dep = departement_of(prefix)
        by_region[region_of.get(dep, "")] += n
        if region in (None, "", region_of.get(dep)):
            by_departement[dep] += n
    communes = panel.communes
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
    commune_options = sorted(
        (Option(insee, panel.names.get(insee, insee), n) for insee, n in counts.items()),
        key=lambda o: o.label,
    )
    region_names = {row.region: row.region_name for row in panel.departements}
    if region:
        region_names.setdefault(region, region)
    regions = [
        Option(code, name, by_region[code])
        for code, name in sorted(region_names.items(), key=lambda item: item[1])
        if by_region.get(code) or code == region
    ]
    departement_options = [
        Option(row.code, f"{row.code} – {row.name}", by_departement[row.code])
        for row in panel.departements
        if by_departement.get(row.code) or row.code == departement
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


# --- Where the panel's data comes from --------------------------------------------------

# The reference lists of the form, in one query that both databases read. Written out, as
# the counts below: through the ORM, building each of these queries cost more CPU than
# PostgreSQL took to answer it (docs/performance.md).
REFERENCE_SQL = """
    SELECT 'filiere', id, code, name, name_en, position, '' FROM {sector}
    UNION ALL SELECT 'forme', id, code, name, name_en, position, '' FROM {legal_form}
    UNION ALL SELECT 'categorie', id, code, name, name_en, position, '' FROM {category}
    UNION ALL SELECT 'domaine', id, code, name, name_en, position, '' FROM {domain}
        WHERE referentiel_id = (
            SELECT id FROM {referentiel} WHERE published_at IS NOT NULL ORDER BY version DESC LIMIT 1
        )
    UNION ALL SELECT 'departement', 0, d.code, d.name, r.code, 0, r.name
        FROM {departement} d JOIN {region} r ON r.code = d.region_id
    ORDER BY 1, 6, 4
"""

# The counts of a selection by territory and sector, from ListedCount (PostgreSQL): per
# sector within the territory chosen; per département in the sector; the communes with the
# most organisations in the sector and territory, with their names; the commune chosen.
COUNTS_SQL = """
    SELECT 'filiere', sector::text, '', n FROM {counts}
        WHERE n > 0 AND sector > 0 AND {territory}
    UNION ALL SELECT 'departement', departement, '', n FROM {counts}
        WHERE n > 0 AND sector = %(sector)s AND commune = '' AND departement <> ''
    UNION ALL (
        SELECT 'commune', l.commune, c.name, l.n FROM {counts} l JOIN {commune} c ON c.insee = l.commune
        WHERE l.n > 0 AND l.sector = %(sector)s AND l.commune <> '' AND {within}
        ORDER BY l.n DESC, l.commune LIMIT {limit}
    )
    UNION ALL SELECT 'choisie', insee, name, 0 FROM {commune} WHERE insee = %(commune)s
"""


def _tables() -> dict[str, str]:
    return {
        "sector": Sector._meta.db_table,
        "legal_form": LegalForm._meta.db_table,
        "category": OfferCategory._meta.db_table,
        "domain": Domain._meta.db_table,
        "referentiel": Referentiel._meta.db_table,
        "departement": Departement._meta.db_table,
        "region": Region._meta.db_table,
        "commune": Commune._meta.db_table,
        "counts": ListedCount._meta.db_table,
    }


def _panel_data(**counts: Any) -> PanelData:
    """The reference lists, in one query, with the counts given."""
    lists: dict[str, list] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_SQL.format(**_tables()))
        for kind, pk, code, name, name_en, _position, region_name in cursor.fetchall():
            # A département's row holds its région's code and name in the last columns.
            if kind == "departement":
                lists[kind].append(DepartementRow(code, name, name_en, region_name))
            else:
                lists[kind].append(Reference(pk, code, name, name_en))
    return PanelData(
        sectors=lists["filiere"],
        legal_forms=lists["forme"],
        categories=lists["categorie"],
        domains=lists["domaine"],
        departements=sorted(lists["departement"]),
        **counts,
    )


def _read(data: Mapping) -> PanelData:
    """The panel's data for a selection by territory and sector, with the counts read from
    ListedCount: 2 queries."""
    panel = _panel_data(per_sector={}, per_departement=[], communes=[], names={})
    chosen = data.get("filiere")
    # 0 stands for all the sectors; a code that matches none selects nothing.
    sector = next((row.pk for row in panel.sectors if row.code == chosen), -1) if chosen else 0
    region, departement, commune = data.get("region"), data.get("departement"), data.get("commune")
    params = {"sector": sector, "commune": commune or "", "region": region, "departement": departement}
    within = []  # conditions on the département of a row
    if region:
        within.append(
            # A table name from the model; the région is a parameter.
            f"departement IN (SELECT code FROM {Departement._meta.db_table} WHERE region_id = %(region)s)"  # noqa: S608
        )
    if departement:
        within.append("departement = %(departement)s")
    if commune:
        territory = ["commune = %(commune)s"]
    elif region or departement:
        territory = ["commune = ''", "departement <> ''"]
    else:
        territory = ["departement = ''", "commune = ''"]
    sql = COUNTS_SQL.format(
        territory=" AND ".join(territory + within),
        within=" AND ".join(f"l.{condition}" for condition in within) or "TRUE",
        limit=COMMUNE_OPTIONS + 1,
        **_tables(),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, key, name, n in cursor.fetchall():
            if kind == "filiere":
                panel.per_sector[int(key)] = panel.per_sector.get(int(key), 0) + n
            elif kind == "departement":
                panel.per_departement.append((key, n))
            elif kind == "commune":
                panel.communes.append((key, n))
                panel.names[key] = name
            else:
                panel.names[key] = name
    panel.communes.sort(key=lambda row: (-row[1], row[0]))
    return panel


def _count(filterset: OrganisationFilter) -> PanelData:
    """The panel's data with the organisations of the selection counted: 5 queries."""
    # By id, not code: the counts then read the index organisation_listed_facets alone.
    per_sector = dict(_counts(filterset, ["filiere"], "sector_id"))
    per_departement = list(_counts(filterset, ["region", "departement", "commune"], Left("commune_id", 3)))
    communes = list(
        _counts(filterset, ["commune"], "commune_id").order_by("-n", "commune_id")[: COMMUNE_OPTIONS + 1]
    )
    shown = {insee for insee, _n in communes[:COMMUNE_OPTIONS]}
    if commune := filterset.cleaned_data.get("commune"):
        shown.add(commune)
    names = dict(Commune.objects.filter(insee__in=shown).values_list("insee", "name"))
    return _panel_data(per_sector=per_sector, per_departement=per_departement, communes=communes, names=names)


def departement_of(insee: str) -> str:
    """The département of a commune, from its INSEE code (or the first three characters of
    it): its first two characters (2A and 2B in Corsica), three overseas (971 to 976)."""
    return insee[:3] if insee.startswith("97") else insee[:2]


# The filters whose counts ListedCount holds (and the sort, which selects nothing).
COUNTED_FILTERS = {"region", "departement", "commune", "filiere", "tri"}


def _readable(filterset: OrganisationFilter) -> bool:
    """Whether the counts of this selection can be read from ListedCount: on PostgreSQL,
    whose triggers keep it, for a selection by territory and sector only. A search, a legal
    form, an offer category or a domain met select organisations that only counting them
    finds."""
    return connection.vendor == "postgresql" and not any(
        value for name, value in filterset.cleaned_data.items() if name not in COUNTED_FILTERS
    )


def _counts(filterset: OrganisationFilter, without: Iterable[str], *group_by: str | Func) -> QuerySet:
    """Rows of `group_by` values and `n`, over the selection without the filters `without`:
    each filter shows what choosing one of its options would give, the others unchanged.
    The filters already validated are applied again, rather than a new FilterSet built for
    each count, which would validate the same parameters once more each time."""
    selection = listed_organisations()
    for name, value in filterset.cleaned_data.items():
        if name not in without:
            selection = filterset.filters[name].filter(selection, value)
    return selection.values_list(*group_by).annotate(n=Count("pk")).order_by()


def _sorts(searching: bool) -> "list[tuple[str, StrOrPromise]]":
    """The choices of the sort select. The first, empty, is the default (relevance when
    searching, the name otherwise), so that a search typed after browsing by name, without
    touching the select, is sorted by relevance."""
    if searching:
        return [("", Sort.RELEVANCE.label), (Sort.NAME, Sort.NAME.label), (Sort.NEWEST, Sort.NEWEST.label)]
    return [("", Sort.NAME.label), (Sort.NEWEST, Sort.NEWEST.label)]


def _label(row: Reference) -> str:
    """Name of a reference row in the active language."""
    return row.name_en if get_language() == "en" and row.name_en else row.name


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
