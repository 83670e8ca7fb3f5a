import pytest
from django.urls import reverse

from referentiel import services
from referentiel.models import Answer, Assessment, Criterion
from tests.referentiel.conftest import answer_all


def domain_url(assessment: Assessment, position: int) -> str:
    return reverse("assessment_domain", args=[assessment.organisation.slug, assessment.pk, position])


def test_a_member_starts_an_assessment_on_the_current_version(client, bob, org_a, referentiel) -> None:
    client.force_login(bob)
    response = client.post(reverse("assessment_home", args=[org_a.slug]))
    assessment = Assessment.objects.get()
    assert response.url == domain_url(assessment, 1)
    assert assessment.referentiel == referentiel


def test_starting_again_resumes_the_draft(client, alice, org_a, draft) -> None:
    client.force_login(alice)
    client.post(reverse("assessment_home", args=[org_a.slug]))
    assert Assessment.objects.count() == 1


def test_each_domain_page_says_where_you_are(client, alice, draft) -> None:
    client.force_login(alice)
    response = client.get(domain_url(draft, 2))
    assert "Domaine 2 sur 2" in response.text
    assert "Pratiques environnementales" in response.text


def test_answers_are_saved_as_a_draft_and_shown_again(client, alice, draft) -> None:
    client.force_login(alice)
    gouv_1 = Criterion.objects.get(code="gouv-1", domain__referentiel=draft.referentiel)
    client.post(
        domain_url(draft, 1),
        {f"c{gouv_1.pk}": "1", f"c{gouv_1.pk}_comment": "Élus chaque année", "go": "stay"},
    )
    assert Answer.objects.get(criterion=gouv_1).value_bool is True
    assert "Élus chaque année" in client.get(domain_url(draft, 1)).text


def test_saving_and_continuing_goes_to_the_next_domain_and_is_resumed_there(
    client, alice, org_a, draft
) -> None:
    client.force_login(alice)
    response = client.post(domain_url(draft, 1), {"go": "next"})
    assert response.url == domain_url(draft, 2)
    assert f'href="{domain_url(draft, 2)}"' in client.get(reverse("assessment_home", args=[org_a.slug])).text


def test_a_number_is_read_in_french_format(client, alice, draft) -> None:
    client.force_login(alice)
    env_1 = Criterion.objects.get(code="env-1", domain__referentiel=draft.referentiel)
    client.post(domain_url(draft, 2), {f"c{env_1.pk}": "62,5", "go": "stay"})
    assert str(Answer.objects.get(criterion=env_1).value_number) == "62.50"


def test_a_negative_number_is_refused_and_nothing_is_saved(client, alice, draft) -> None:
    client.force_login(alice)
    env_1 = Criterion.objects.get(code="env-1", domain__referentiel=draft.referentiel)
    response = client.post(domain_url(draft, 2), {f"c{env_1.pk}": "-3", "go": "stay"})
    assert "Assurez-vous que cette valeur est supérieure ou égale à 0." in response.text
    assert not Answer.objects.exists()


def test_the_summary_lists_what_is_missing_with_links(client, alice, draft) -> None:
    client.force_login(alice)
    response = client.get(reverse("assessment_summary", args=[draft.organisation.slug, draft.pk]))
    assert "gouv-1</a> :\n          preuve manquante (Les statuts signés (PDF))" in response.text
    assert f'href="{domain_url(draft, 2)}#critere-env-2"' in response.text


def test_finishing_is_refused_while_something_is_missing(client, alice, draft) -> None:
    answer_all(draft, alice)
    client.force_login(alice)
    response = client.post(
        reverse("assessment_summary", args=[draft.organisation.slug, draft.pk]), follow=True
    )
    assert "Des réponses ou des preuves manquent encore" in response.text
    draft.refresh_from_db()
    assert draft.is_draft


def test_a_completed_assessment_shows_its_scores_radar_and_gaps(client, alice, completed) -> None:
    client.force_login(alice)
    response = client.get(reverse("assessment_result", args=[completed.pk]))
    assert "<svg" in response.text
    assert "Ces réponses satisfont au référentiel." in response.text
    assert "Aucun écart : chaque critère est satisfait." in response.text


def test_a_completed_assessment_no_longer_changes(client, alice, completed) -> None:
    client.force_login(alice)
    response = client.get(domain_url(completed, 1))
    assert response.url == reverse("assessment_result", args=[completed.pk])
    with pytest.raises(Exception, match="terminée"):
        services.save_answers(completed, services.domains_of(completed)[0], {"gouv-1": (False, "")}, alice)


def test_the_gaps_name_the_unmet_criteria(client, alice, draft) -> None:
    answer_all(draft, alice, {"gouv-1": (False, ""), "gouv-2": (1, ""), "env-1": (60, ""), "env-2": (9, "")})
    client.force_login(alice)
    response = client.get(reverse("assessment_summary", args=[draft.organisation.slug, draft.pk]))
    assert "Ces réponses ne satisfont pas encore au référentiel" in response.text
    assert "≤ 5.00" in response.text or "≤ 5,00" in response.text


@pytest.mark.parametrize("name", ["assessment_home"])
def test_an_outsider_cannot_start_an_assessment(client, charlie, org_a, name) -> None:
    client.force_login(charlie)
    assert client.post(reverse(name, args=[org_a.slug])).status_code == 404


def test_an_outsider_cannot_read_nor_fill_an_assessment(client, charlie, draft) -> None:
    client.force_login(charlie)
    assert client.get(domain_url(draft, 1)).status_code == 404
    assert client.get(reverse("assessment_result", args=[draft.pk])).status_code == 404


def test_the_report_pdf_holds_the_organisation_and_its_scores(client, alice, completed) -> None:
    import io

    from pypdf import PdfReader

    client.force_login(alice)
    response = client.get(reverse("assessment_pdf", args=[completed.pk]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert response["Content-Type"] == "application/pdf"
    assert "Auto-évaluation de Atelier du Réemploi" in text
    assert "Gouvernance démocratique" in text


def test_scores_do_not_change_when_a_new_version_is_published(completed, nadia) -> None:
    before = completed.result
    new = services.new_version(completed.referentiel, by=nadia)
    new.domains.update(min_score=99)
    services.publish(new, by=nadia)
    completed.refresh_from_db()
    assert completed.result == before
    assert services.current_result(completed).meets_referentiel
