"""Staff set the thresholds of a draft version of the référentiel and name its domains."""

import html

from django.urls import reverse

from referentiel.models import Referentiel
from tests.referentiel.factory import make_referentiel


def thresholds_data(referentiel: Referentiel, **changes: str) -> dict:
    domains = list(referentiel.domains.order_by("pk"))
    data = {
        "title": referentiel.title,
        "description": referentiel.description,
        "min_overall": "50",
        "form-TOTAL_FORMS": str(len(domains)),
        "form-INITIAL_FORMS": str(len(domains)),
    }
    for index, domain in enumerate(domains):
        data |= {
            f"form-{index}-id": str(domain.pk),
            f"form-{index}-name": domain.name,
            f"form-{index}-name_en": domain.name_en,
            f"form-{index}-min_score": "40",
        }
    return data | changes


def test_staff_set_the_thresholds_of_a_draft_version(client, nadia) -> None:
    draft = make_referentiel(publish=False)
    client.force_login(nadia)

    response = client.post(reverse("staff_referentiel", args=[draft.version]), thresholds_data(draft))

    assert response.status_code == 302
    assert set(draft.domains.values_list("min_score", flat=True)) == {40}


def test_an_english_name_too_long_is_refused_where_it_was_typed(client, nadia) -> None:
    draft = make_referentiel(publish=False)
    before = list(draft.domains.values_list("name_en", "min_score"))
    client.force_login(nadia)

    response = client.post(
        reverse("staff_referentiel", args=[draft.version]),
        thresholds_data(draft, **{"form-0-name_en": "x" * 201}),
    )

    assert "au plus 200 caractères" in html.unescape(response.content.decode())
    assert list(draft.domains.values_list("name_en", "min_score")) == before
