from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from referentiel.models import Domain
from referentiel.scoring import Result
from solidaire.lib.charts import radar_chart


def radar_for(domains: list[Domain], result: Result) -> SafeString:
    """The radar of an assessment: one axis per domain, its minimum drawn dashed.
    The same drawing serves the web pages and the PDF report."""
    scores = {d.code: d for d in result.domains}
    axes = [(domain.translated("name"), float(scores[domain.code].score)) for domain in domains]
    thresholds = [float(domain.min_score) for domain in domains]
    return radar_chart(
        axes,
        thresholds=thresholds,
        title=_("Score par domaine du référentiel"),
        description=_("Score global : %(overall)s sur 100.") % {"overall": result.overall},
    )
