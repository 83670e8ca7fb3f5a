"""Drafting and awarding grants: eligibility, instalments, indicators, audit trail."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from solidaire.models import AuditEntry, Organisation
from subventions import services
from subventions.models import Grant, Periodicity, Report, ReportReminder
from tests.subventions.factory import draft, make_indicator, make_programme

HALVES = [(date(2026, 1, 15), Decimal(12_000)), (date(2026, 7, 15), Decimal(12_000))]


@pytest.fixture
def drafted(listed, circular, nadia) -> Grant:
    return draft(listed, circular, nadia)


def follow(grant: Grant, indicator, by, **extra):
    fields = {
        "baseline": Decimal(900), "target": Decimal(1200), "periodicity": Periodicity.QUARTERLY,
        "first_due": date(2026, 3, 31), **extra,
    }  # fmt: skip
    return services.add_grant_indicator(grant, indicator, by=by, **fields)


def audit_actions(grant: Grant) -> list[str]:
    return list(
        AuditEntry.objects.filter(target_id=str(grant.pk)).order_by("pk").values_list("action", flat=True)
    )


def test_staff_draft_a_grant_and_the_audit_trail_keeps_its_eligibility(drafted) -> None:
    entry = AuditEntry.objects.get(action="grant.draft")
    assert (entry.author, entry.target, entry.data["amount"]) == (
        "Nadia Benali",
        drafted,
        "24000",
    )
    assert entry.data["eligibility"] == []


def test_a_member_of_the_organisation_may_not_draft_its_grant(listed, circular, alice) -> None:
    with pytest.raises(PermissionDenied):
        draft(listed, circular, alice)


def test_a_grant_cannot_end_before_it_starts(listed, circular, nadia) -> None:
    with pytest.raises(ValidationError) as error:
        draft(listed, circular, nadia, end=date(2025, 12, 31))
    assert error.value.message_dict["end"] == ["La période se termine avant de commencer."]


def test_every_change_of_a_draft_is_audited_with_its_old_value(drafted, nadia) -> None:
    services.update_grant(drafted, by=nadia, amount=Decimal(30_000), purpose="Atelier de réparation")
    entry = AuditEntry.objects.get(action="grant.update")
    assert entry.data == {"changes": {"amount": ["24000", "30000"]}}


def test_instalments_that_do_not_sum_to_the_grant_are_refused(drafted, nadia) -> None:
    with pytest.raises(ValidationError) as error:
        services.set_instalments(drafted, [(date(2026, 1, 15), Decimal(10_000))], by=nadia)
    assert error.value.messages == [
        "Les versements totalisent 10\xa0000,00 € alors que la subvention est de 24\xa0000,00 €."
    ]
    assert not drafted.instalments.exists()


def test_awarding_refuses_an_ineligible_organisation_and_lists_every_reason(drafted, repaired, nadia) -> None:
    services.set_instalments(drafted, HALVES, by=nadia)
    follow(drafted, repaired, nadia)
    Organisation.objects.filter(pk=drafted.organisation_id).update(status=Organisation.Status.SUSPENDED)
    drafted.programme.min_overall = Decimal(95)
    drafted.programme.save()
    with pytest.raises(ValidationError) as error:
        services.award_grant(drafted, by=nadia)
    assert error.value.messages == [
        "L'organisation n'est ni référencée ni en démarche de progrès (statut : suspendue).",
        "Le score global de la dernière auto-évaluation est de 93,75 %, en dessous du minimum de 95 % fixé "
        "par le dispositif.",
    ]
    assert Grant.objects.get(pk=drafted.pk).status == Grant.Status.DRAFT


def test_awarding_refuses_instalments_that_no_longer_sum_to_the_amount(drafted, repaired, nadia) -> None:
    services.set_instalments(drafted, HALVES, by=nadia)
    follow(drafted, repaired, nadia)
    services.update_grant(drafted, by=nadia, amount=Decimal(25_000))
    with pytest.raises(ValidationError) as error:
        services.award_grant(drafted, by=nadia)
    assert error.value.messages == [
        "Les versements totalisent 24\xa0000,00 € alors que la subvention est de 25\xa0000,00 €."
    ]


def test_awarding_needs_the_indicators_the_programme_requires_and_a_decision(listed, nadia, repaired) -> None:
    programme = make_programme(
        indicators=[repaired, make_indicator("heures-formation", name="Heures de formation")]
    )
    grant = draft(listed, programme, nadia, decision_reference="")
    services.set_instalments(grant, HALVES, by=nadia)
    follow(grant, repaired, nadia)
    with pytest.raises(ValidationError) as error:
        services.award_grant(grant, by=nadia)
    assert error.value.messages == [
        "L'indicateur « Heures de formation » exigé par le dispositif n'est pas suivi.",
        "Indiquez la référence et la date de la décision d'attribution.",
    ]


def test_awarding_needs_the_date_of_the_convention_it_is_published_with(drafted, repaired, nadia) -> None:
    services.update_grant(drafted, convention_date=None, by=nadia)
    services.set_instalments(drafted, HALVES, by=nadia)
    follow(drafted, repaired, nadia)
    with pytest.raises(ValidationError) as error:
        services.award_grant(drafted, by=nadia)
    assert error.value.messages == [
        "Indiquez la date de la convention : une subvention attribuée est publiée en données ouvertes "
        "avec la date de sa convention (décret n° 2017-779)."
    ]
    assert Grant.objects.get(pk=drafted.pk).status == Grant.Status.DRAFT


def test_an_awarded_grant_cannot_lose_its_convention_date(grant) -> None:
    grant.convention_date = None
    with pytest.raises(ValidationError, match="Indiquez la date de la convention"):
        grant.full_clean()


def test_a_purpose_longer_than_the_scdl_allows_is_refused(listed, circular, nadia) -> None:
    with pytest.raises(ValidationError) as error:
        draft(listed, circular, nadia, purpose="é" * 257)
    assert error.value.messages == [
        "L'objet compte au plus 256 caractères, la limite du format SCDL des données ouvertes "
        "(il en compte 257)."
    ]
    assert draft(listed, circular, nadia, purpose="é" * 256).purpose == "é" * 256


def test_awarding_keeps_the_beneficiary_as_it_is_then(drafted, repaired, nadia) -> None:
    organisation = drafted.organisation
    Organisation.objects.filter(pk=organisation.pk).update(rna="W352001234")
    services.set_instalments(drafted, HALVES, by=nadia)
    follow(drafted, repaired, nadia)
    services.award_grant(drafted, by=nadia)
    drafted.refresh_from_db()
    assert (drafted.beneficiary_name, drafted.beneficiary_siret, drafted.beneficiary_rna) == (
        organisation.legal_name,
        organisation.siret,
        "W352001234",
    )


def test_awarding_creates_a_report_per_period_each_with_its_four_reminders(drafted, repaired, nadia) -> None:
    services.set_instalments(drafted, HALVES, by=nadia)
    follow(drafted, repaired, nadia)
    services.award_grant(drafted, by=nadia)
    reports = Report.objects.filter(grant_indicator__grant=drafted)
    assert list(reports.values_list("due_date", flat=True)) == [
        date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30), date(2026, 12, 31),
    ]  # fmt: skip
    assert ReportReminder.objects.filter(report__in=reports).count() == 16
    assert audit_actions(drafted)[-1] == "grant.award"


def test_an_indicator_added_to_an_awarded_grant_gets_its_reports_at_once(grant, nadia) -> None:
    training = make_indicator("heures-formation", name="Heures de formation")
    follow(grant, training, nadia, periodicity=Periodicity.YEARLY, first_due=grant.end)
    assert Report.objects.filter(grant_indicator__indicator=training).count() == 1


def test_an_awarded_grant_no_longer_changes(grant, nadia) -> None:
    with pytest.raises(ValidationError):
        services.update_grant(grant, by=nadia, amount=Decimal(1))
    with pytest.raises(ValidationError):
        services.award_grant(grant, by=nadia)


def test_a_first_due_date_outside_the_grant_is_refused(drafted, repaired, nadia) -> None:
    with pytest.raises(ValidationError) as error:
        follow(drafted, repaired, nadia, first_due=date(2027, 3, 31))
    assert error.value.message_dict["first_due"] == [
        "La première échéance doit tomber pendant la période de la subvention."
    ]


def test_a_yearly_target_of_a_flow_is_shared_between_the_periods(drafted, repaired, nadia) -> None:
    assert follow(drafted, repaired, nadia).period_target == Decimal(300)


def test_staff_change_the_target_of_a_drafts_indicator(drafted, repaired, nadia) -> None:
    followed = follow(drafted, repaired, nadia)
    services.update_grant_indicator(followed, by=nadia, target=Decimal(1600))
    followed.refresh_from_db()
    assert followed.period_target == Decimal(400)


def test_staff_remove_an_indicator_from_a_draft(drafted, repaired, nadia) -> None:
    services.remove_grant_indicator(follow(drafted, repaired, nadia), by=nadia)
    assert not drafted.indicators.exists()


def test_the_indicators_of_an_awarded_grant_no_longer_change(grant, nadia) -> None:
    followed = grant.indicators.first()
    with pytest.raises(ValidationError, match="en préparation"):
        services.update_grant_indicator(followed, by=nadia, target=Decimal(1))
    with pytest.raises(ValidationError, match="en préparation"):
        services.remove_grant_indicator(followed, by=nadia)
