"""Derived data that the public showcase (vitrine) searches and filters on.

It lives in the core, next to what it is derived from, so that every change of an
organisation or an offer keeps it up to date whichever app makes the change; the
receivers that call `refresh_search_vectors` are in `solidaire.signals`."""

from collections.abc import Iterable

from django.db import connection, models, transaction
from django.utils.translation import gettext_lazy as _

from solidaire.lib.text import fold
from solidaire.models.organisations import Offer, Organisation
from solidaire.models.territories import Commune

# French stemming with accents removed; created by migration 0005 on PostgreSQL.
SEARCH_CONFIG = "french_unaccent"
# Fields of an organisation that its search columns are computed from.
SEARCHED_FIELDS = frozenset({"legal_name", "usual_name", "description"})
_REFRESH_BATCH = 500


def refresh_search_vectors(ids: Iterable[int]) -> None:
    """Recomputes `sort_name` and the search column of the given organisations from their
    names, description and offers. Called on every save of an organisation or an offer
    (solidaire.signals); call it after bulk changes that bypass signals (`update()`,
    `bulk_create()`, raw SQL). One UPDATE per 500 organisations on PostgreSQL."""
    ids = sorted(set(ids))
    for start in range(0, len(ids), _REFRESH_BATCH):
        batch = ids[start : start + _REFRESH_BATCH]
        if connection.vendor == "postgresql":
            _refresh_postgresql(batch)
        else:
            _refresh_folded(batch)


def _refresh_postgresql(ids: list[int]) -> None:
    organisation, offer = Organisation._meta.db_table, Offer._meta.db_table
    # The offers are aggregated once per organisation in the subquery, never per row.
    sql = f"""
        UPDATE {organisation} AS o SET
            sort_name = left(lower(unaccent(coalesce(nullif(o.usual_name, ''), o.legal_name))), 200),
            search_text = '',
            search_vector =
                setweight(to_tsvector(%(config)s::regconfig, o.legal_name || ' ' || o.usual_name), 'A')
                || setweight(to_tsvector(%(config)s::regconfig, f.names), 'B')
                || setweight(to_tsvector(%(config)s::regconfig, o.description || ' ' || f.descriptions), 'C')
        FROM (
            SELECT org.id,
                   coalesce(string_agg(offer.name, ' '), '') AS names,
                   coalesce(string_agg(offer.description, ' '), '') AS descriptions
            FROM {organisation} AS org LEFT JOIN {offer} AS offer ON offer.organisation_id = org.id
            WHERE org.id = ANY(%(ids)s)
            GROUP BY org.id
        ) AS f
        WHERE o.id = f.id
    """  # noqa: S608 - table names come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, {"config": SEARCH_CONFIG, "ids": ids})


def _refresh_folded(ids: list[int]) -> None:
    """SQLite has neither text search nor unaccent: store the folded text, searched with LIKE.
    Names come first, then offer names, then descriptions, so that the position of a match
    can rank the results the way the weights do on PostgreSQL."""
    offers: dict[int, list[tuple[str, str]]] = {pk: [] for pk in ids}
    for organisation_id, name, description in Offer.objects.filter(organisation_id__in=ids).values_list(
        "organisation_id", "name", "description"
    ):
        offers[organisation_id].append((name, description))
    changed = []
    for pk, legal_name, usual_name, description in Organisation.objects.filter(pk__in=ids).values_list(
        "pk", "legal_name", "usual_name", "description"
    ):
        parts = [
            f"{legal_name} {usual_name}",
            " ".join(name for name, _text in offers[pk]),
            description,
            " ".join(text for _name, text in offers[pk]),
        ]
        changed.append(
            Organisation(
                pk=pk,
                sort_name=fold(usual_name or legal_name)[:200],
                search_text=" | ".join(fold(" ".join(part.split())) for part in parts),
            )
        )
    Organisation.objects.bulk_update(changed, ["sort_name", "search_text"])


class DomainMet(models.Model):
    """A domain of the référentiel that the organisation's latest completed assessment
    meets, copied here for the showcase filter (this app cannot read assessments).
    Written only by record_domains_met()."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="domains_met")
    code = models.SlugField(_("code du domaine"), max_length=60, db_index=False)

    class Meta:
        verbose_name = _("domaine du référentiel satisfait")
        verbose_name_plural = _("domaines du référentiel satisfaits")
        constraints = [
            # Its index (code first) serves the filter "organisations that meet domain X".
            models.UniqueConstraint(fields=["code", "organisation"], name="one_domain_met_per_code")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.code}"


def record_domains_met(organisation_id: int, codes: Iterable[str]) -> None:
    """Replaces the domains the organisation meets by `codes`: the codes of the domains
    whose result is met in its latest completed assessment. The référentiel calls it when
    an assessment completes, in the same transaction."""
    codes = sorted(set(codes))
    with transaction.atomic():
        DomainMet.objects.filter(organisation_id=organisation_id).exclude(code__in=codes).delete()
        DomainMet.objects.bulk_create(
            [DomainMet(organisation_id=organisation_id, code=code) for code in codes], ignore_conflicts=True
        )


class ListedCount(models.Model):
    """How many listed organisations a commune, a département and the whole territory have,
    per sector (`sector` 0: all sectors): the counts of the showcase filters, read rather
    than counted. Counting the listed organisations three times a page, per sector, per
    département and per commune, costs in proportion to their number; these rows answer in a
    few, whatever it is (docs/performance.md).

    Written only by PostgreSQL triggers (migration 0009), in the transaction of the change,
    on every insert and delete of an organisation and every change of its status, commune
    or sector, whatever makes it: save(), QuerySet.update(), bulk_create(), raw SQL, COPY;
    a TRUNCATE empties it. Rows whose count falls back to 0 stay. rebuild_listed_counts()
    counts everything again (a repair). On SQLite, which serves the demo data, no trigger
    keeps the table and the showcase never reads it: it counts the organisations."""

    departement = models.CharField(max_length=3)  # "" on the row of the whole territory
    commune = models.CharField(max_length=5, blank=True)  # "" on a département's rows
    sector = models.BigIntegerField()  # a Sector's id, or 0 for all the sectors
    n = models.IntegerField()

    class Meta:
        constraints = [
            # Commune first: it also serves the rows of the départements (commune "") of a sector.
            models.UniqueConstraint(fields=["commune", "sector", "departement"], name="one_listed_count")
        ]
        indexes = [
            # The communes with the most organisations, in a sector or in all.
            models.Index(
                "sector",
                models.F("n").desc(),
                "commune",
                condition=~models.Q(commune=""),
                name="listed_count_communes",
            )
        ]

    def __str__(self) -> str:
        return f"{self.departement}/{self.commune}/{self.sector}: {self.n}"


def rebuild_listed_counts() -> None:
    """Counts the listed organisations into ListedCount again, at its six levels."""
    organisation, commune = Organisation._meta.db_table, Commune._meta.db_table
    table = ListedCount._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - table names from the models
        cursor.execute(
            f"""
            WITH listed AS (
                SELECT c.departement_id AS departement, o.commune_id AS commune, o.sector_id AS sector
                FROM {organisation} AS o JOIN {commune} AS c ON c.insee = o.commune_id
                WHERE o.status = 'listed'
            )
            INSERT INTO {table} (departement, commune, sector, n)
            SELECT departement, commune, sector, count(*) FROM listed GROUP BY departement, commune, sector
            UNION ALL SELECT departement, commune, 0, count(*) FROM listed GROUP BY departement, commune
            UNION ALL SELECT departement, '', sector, count(*) FROM listed GROUP BY departement, sector
            UNION ALL SELECT departement, '', 0, count(*) FROM listed GROUP BY departement
            UNION ALL SELECT '', '', sector, count(*) FROM listed GROUP BY sector
            UNION ALL SELECT '', '', 0, count(*) FROM listed
            """  # noqa: S608
        )
