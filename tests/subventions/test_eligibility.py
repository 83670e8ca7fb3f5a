"""check_eligibility: each rule of a programme, unmet, is told in words."""

from decimal import Decimal

from solidaire.models import Organisation
from subventions.models import Programme
from subventions.services import check_eligibility
from tests.subventions.factory import assess, make_programme

Status = Organisation.Status


def set_status(organisation: Organisation, status: str) -> Organisation:
    Organisation.objects.filter(pk=organisation.pk).update(status=status)
    organisation.refresh_from_db()
    return organisation


def test_a_listed_organisation_that_meets_every_rule_is_eligible(listed) -> None:
    programme = make_programme(min_overall=Decimal(90), rules={"gouv-2": Decimal(3), "env-1": Decimal(50)})
    assert check_eligibility(programme, listed) == []


def test_an_applicant_is_told_it_is_neither_listed_nor_in_a_progress_plan(listed) -> None:
    applicant = set_status(listed, Status.APPLICANT)
    assert check_eligibility(make_programme(), applicant) == [
        "L'organisation n'est ni référencée ni en démarche de progrès (statut : candidate)."
    ]


def test_an_organisation_in_a_progress_plan_is_eligible_where_the_programme_accepts_it(listed) -> None:
    in_progress = set_status(listed, Status.PROGRESS_PLAN)
    assert check_eligibility(make_programme(), in_progress) == []


def test_a_programme_for_listed_organisations_refuses_one_in_a_progress_plan(listed) -> None:
    in_progress = set_status(listed, Status.PROGRESS_PLAN)
    programme = make_programme(status_rule=Programme.StatusRule.LISTED)
    assert check_eligibility(programme, in_progress) == [
        "L'organisation n'est pas référencée (statut : en démarche de progrès)."
    ]


def test_an_overall_score_below_the_minimum_is_told_with_both_figures(listed) -> None:
    programme = make_programme(min_overall=Decimal("95.5"))
    assert check_eligibility(programme, listed) == [
        "Le score global de la dernière auto-évaluation est de 93,75 %, en dessous du minimum de 95,5 % "
        "fixé par le dispositif."
    ]


def test_without_a_completed_assessment_the_requirements_cannot_be_checked(org_a, referentiel) -> None:
    organisation = set_status(org_a, Status.LISTED)
    assert check_eligibility(make_programme(), organisation) == [
        "L'organisation n'a pas d'auto-évaluation terminée : les exigences du dispositif sur le "
        "référentiel ne peuvent pas être vérifiées."
    ]


def test_a_programme_without_requirements_on_the_referentiel_needs_no_assessment(org_a, referentiel) -> None:
    organisation = set_status(org_a, Status.LISTED)
    assert check_eligibility(make_programme(min_overall=None), organisation) == []


def test_a_level_below_the_minimum_names_the_criterion_and_both_levels(listed) -> None:
    [problem] = check_eligibility(make_programme(rules={"gouv-2": Decimal(4)}), listed)
    assert problem.startswith("Critère « gouv-2 — Les usagers participent-ils aux décisions ? »")
    assert problem.endswith(": niveau 3 sur 4, le dispositif demande au moins le niveau 4.")


def test_a_number_below_the_minimum_is_told_with_its_unit(listed) -> None:
    [problem] = check_eligibility(make_programme(rules={"env-1": Decimal(75)}), listed)
    assert problem.endswith(": 60 %, le dispositif demande au moins 75 %.")


def test_a_number_where_lower_is_better_is_told_as_a_maximum(listed) -> None:
    [problem] = check_eligibility(make_programme(rules={"env-2": Decimal(3)}), listed)
    assert problem.endswith(": 4, le dispositif demande au plus 3.")


def test_a_no_where_the_programme_wants_a_yes_is_told(org_a, alice, referentiel) -> None:
    assess(org_a, alice, {"gouv-1": (False, "")})
    organisation = set_status(org_a, Status.LISTED)
    [problem] = check_eligibility(
        make_programme(min_overall=None, rules={"gouv-1": Decimal(1)}), organisation
    )
    assert problem.endswith(": la réponse est « non », le dispositif demande « oui ».")


def test_a_criterion_required_without_a_level_must_be_met_by_its_own_threshold(
    org_a, alice, referentiel
) -> None:
    assess(org_a, alice, {"gouv-2": (2, "")})  # the criterion is met from level 3
    organisation = set_status(org_a, Status.LISTED)
    [problem] = check_eligibility(make_programme(min_overall=None, rules={"gouv-2": None}), organisation)
    assert problem.endswith(": non satisfait, alors que le dispositif l'exige.")


def test_every_unmet_rule_is_listed(listed) -> None:
    applicant = set_status(listed, Status.APPLICANT)
    programme = make_programme(min_overall=Decimal(99), rules={"gouv-2": Decimal(4), "env-1": Decimal(75)})
    assert len(check_eligibility(programme, applicant)) == 4
