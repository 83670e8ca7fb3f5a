"""Full-text search of the showcase, and the derived data it searches and filters on.

PostgreSQL matches the stored, weighted `search_vector` of each organisation with the
French configuration without accents (migration solidaire 0005), through its GIN index, and
ranks with `ts_rank`. SQLite, the embedded default, has no text search: it looks for each
folded word in the stored `search_text` with LIKE and ranks by the position of the first
word, since that text holds the names first, then the offer names, then the descriptions.
Neither computes a vector or folds a text per query.
"""

import re
from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, transaction
from django.db.models import F, FloatField, QuerySet, Value
from django.db.models.functions import StrIndex

from referentiel.models import Assessment
from referentiel.scoring import Result
from solidaire.lib.text import fold
from solidaire.models import SEARCH_CONFIG, DomainMet, Organisation, refresh_search_vectors

# ts_rank weights of D, C, B, A: a match in a name (A) always outranks any number of
# matches in the descriptions (C), whose rank stays below 1.7 × 0.2.
RANK_WEIGHTS = [0.05, 0.2, 0.4, 1.0]


def search(queryset: QuerySet[Organisation], text: str) -> QuerySet[Organisation]:
    """The organisations of `queryset` that match `text`, annotated with `rank` (higher is
    more relevant)."""
    if connection.vendor == "postgresql":
        # websearch: "quoted phrases", -excluded words and OR, as people type in a search box.
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        return queryset.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query, weights=RANK_WEIGHTS)
        )
    words = re.findall(r"\w+", fold(text))
    if not words:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField())).none()
    for word in words:
        queryset = queryset.filter(search_text__contains=word)
    return queryset.annotate(
        rank=Value(1.0, output_field=FloatField()) / StrIndex("search_text", Value(words[0]))
    )


def met_domains(result: dict | None) -> list[str]:
    """The codes of the domains that a stored assessment result meets."""
    if not result:
        return []
    return [domain.code for domain in Result.from_dict(result).domains if domain.met]


def refresh_domains_met(organisation_ids: Iterable[int] | None = None) -> int:
    """Rebuilds the domains met of the given organisations (all when None) from their latest
    completed assessment. The référentiel records them as each assessment completes
    (solidaire.models.record_domains_met); this repairs or fills them in bulk, e.g. after an
    import or for the demo. Returns the number of organisations with a completed assessment."""
    completed = Assessment.objects.filter(status=Assessment.Status.COMPLETED)
    stale = DomainMet.objects.all()
    if organisation_ids is not None:
        ids = list(organisation_ids)
        completed, stale = completed.filter(organisation_id__in=ids), stale.filter(organisation_id__in=ids)
    latest: dict[int, dict | None] = {}
    rows = completed.order_by("organisation_id", "completed_at", "pk").values_list(
        "organisation_id", "result"
    )
    for organisation_id, result in rows.iterator():
        latest[organisation_id] = result  # the last one of each organisation wins
    with transaction.atomic():
        stale.delete()
        DomainMet.objects.bulk_create(
            [
                DomainMet(organisation_id=organisation_id, code=code)
                for organisation_id, result in latest.items()
                for code in met_domains(result)
            ],
            batch_size=1000,
        )
    return len(latest)


def refresh_showcase(organisation_ids: Iterable[int] | None = None) -> None:
    """Recomputes everything the showcase derives, for the given organisations or all."""
    ids = (
        list(organisation_ids)
        if organisation_ids is not None
        else list(Organisation.objects.values_list("pk", flat=True))
    )
    refresh_search_vectors(ids)
    refresh_domains_met(ids if organisation_ids is not None else None)
