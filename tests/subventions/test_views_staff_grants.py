"""Staff draft a grant (eligibility in words, instalments, indicators), award it, pay its
instalments and examine its reports (journey 5)."""

import html
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from solidaire.models import AuditEntry
from subventions import services
from subventions.models import Grant, Instalment, Periodicity, Report, ReportState
from tests.subventions.factory import draft, make_indicator


def text(response) -> str:
    """The page as a reader sees it: "n'est", not "n&#x27;est"."""
    return html.unescape(response.content.decode())


@pytest.fixture
def staff(client, nadia):
    client.force_login(nadia)
    return client


@pytest.fixture
def training(db):
    return make_indicator("heures-formation", name="Heures de formation", unit="heures")


def new_url(organisation, programme) -> str:
    return f"{reverse('staff_grant_new')}?organisation={organisation.pk}&dispositif={programme.pk}"


def grant_data(repaired, **overrides) -> dict:
    data = {
        "purpose": "Atelier de réparation",
        "amount": "24 000",
        "decision_reference": "CP-2026-0412",
        "decision_date": "2026-01-12",
        "convention_date": "2026-01-20",
        "start": "2026-01-01",
        "end": "2026-12-31",
        "nature": "cash",
        "payment_conditions": "instalments",
        "rae_id": "",
        "versements-TOTAL_FORMS": "3",
        "versements-INITIAL_FORMS": "0",
        "versements-0-planned_on": "2026-02-01",
        "versements-0-amount": "12000",
        "versements-1-planned_on": "2026-09-01",
        "versements-1-amount": "12 000,00",
        "indicateurs-TOTAL_FORMS": "2",
        "indicateurs-INITIAL_FORMS": "0",
        "indicateurs-0-indicator": str(repaired.pk),
        "indicateurs-0-baseline": "900",
        "indicateurs-0-target": "1200",
        "indicateurs-0-periodicity": "quarterly",
        "indicateurs-0-first_due": "2026-03-31",
    }
    data.update(overrides)
    return data


# --- Drafting: the organisation, the programme and its eligibility --------------------------------


def test_drafting_starts_by_choosing_the_organisation_and_the_programme(staff, listed, circular) -> None:
    response = staff.get(reverse("staff_grant_new"))
    assert "Vérifier l'éligibilité" in text(response)
    assert listed.name in text(response)


def test_an_unknown_organisation_gets_a_message_next_to_the_field(staff, circular) -> None:
    response = staff.get(reverse("staff_grant_new"), {"organisation": "abc", "dispositif": circular.pk})
    assert "Sélectionnez un choix valide" in text(response)
    assert "Vérifier l'éligibilité" in text(response)


def test_an_eligible_organisation_is_confirmed(staff, listed, circular) -> None:
    response = staff.get(new_url(listed, circular))
    assert "remplit les conditions du dispositif « Économie circulaire »" in text(response)


def test_every_unmet_rule_of_an_ineligible_organisation_is_shown_in_words(staff, org_b, circular) -> None:
    response = staff.get(new_url(org_b, circular))
    assert "ne remplit pas les conditions" in text(response)
    assert "n'est ni référencée ni en démarche de progrès (statut : brouillon)" in text(response)
    assert "n'a pas d'auto-évaluation terminée" in text(response)


def test_changing_the_choice_goes_back_to_step_1_with_the_choice_kept(staff, listed, circular) -> None:
    response = staff.get(new_url(listed, circular) + "&changer=1")
    assert "Vérifier l'éligibilité" in text(response)
    assert f'<option value="{listed.pk}" selected>' in response.text


def test_the_indicators_the_programme_requires_are_proposed(staff, listed, circular, repaired) -> None:
    response = staff.get(new_url(listed, circular))
    assert f'<option value="{repaired.pk}" selected>' in text(response)


# --- Drafting: the form -----------------------------------------------------------------------------


def test_staff_draft_a_grant_with_its_instalments_and_indicators(staff, listed, circular, repaired) -> None:
    response = staff.post(new_url(listed, circular), grant_data(repaired))

    grant = Grant.objects.get()
    assert response.url == reverse("staff_grant", args=[grant.pk])
    assert (grant.status, grant.amount, grant.organisation) == (Grant.Status.DRAFT, Decimal(24_000), listed)
    assert list(grant.instalments.values_list("amount", flat=True)) == [Decimal(12_000), Decimal(12_000)]
    assert grant.indicators.get().periodicity == Periodicity.QUARTERLY


def test_a_grant_may_be_drafted_for_an_ineligible_organisation(staff, org_b, circular, repaired) -> None:
    staff.post(new_url(org_b, circular), grant_data(repaired))
    assert Grant.objects.get().organisation == org_b


def test_instalments_that_do_not_sum_to_the_amount_get_a_clear_message(
    staff, listed, circular, repaired
) -> None:
    response = staff.post(new_url(listed, circular), grant_data(repaired, **{"versements-1-amount": "8000"}))
    assert "Les versements totalisent 20\xa0000,00 € alors que la subvention est de 24\xa0000,00 €." in (
        text(response)
    )
    assert not Grant.objects.exists()


def test_a_grant_needs_at_least_one_instalment(staff, listed, circular, repaired) -> None:
    data = grant_data(
        repaired, **{f"versements-{n}-{f}": "" for n in (0, 1) for f in ("planned_on", "amount")}
    )
    response = staff.post(new_url(listed, circular), data)
    assert "Prévoyez au moins un versement." in text(response)
    assert not Grant.objects.exists()


def test_an_instalment_without_its_date_is_refused_next_to_the_field(
    staff, listed, circular, repaired
) -> None:
    response = staff.post(new_url(listed, circular), grant_data(repaired, **{"versements-1-planned_on": ""}))
    assert "Indiquez la date de ce versement." in text(response)
    assert not Grant.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "beaucoup", "Saisissez un nombre."),
        ("amount", "-5", "Le montant doit être supérieur à zéro."),
        ("end", "2025-06-30", "La période se termine avant de commencer."),
        ("start", "", "Ce champ est obligatoire."),
        ("decision_date", "31/02/2026", "Saisissez une date valide."),
    ],
)
def test_a_bad_grant_field_gets_a_message_and_nothing_is_saved(
    staff, listed, circular, repaired, field, value, message
) -> None:
    response = staff.post(new_url(listed, circular), grant_data(repaired, **{field: value}))
    assert response.status_code == 200
    assert message in text(response)
    assert not Grant.objects.exists()


def test_a_first_due_date_outside_the_grant_is_refused_next_to_the_field(
    staff, listed, circular, repaired
) -> None:
    data = grant_data(repaired, **{"indicateurs-0-first_due": "2027-03-31"})
    response = staff.post(new_url(listed, circular), data)
    assert "La première échéance doit tomber pendant la période de la subvention." in text(response)
    assert not Grant.objects.exists()


def test_an_indicator_row_missing_its_target_is_refused(staff, listed, circular, repaired) -> None:
    response = staff.post(new_url(listed, circular), grant_data(repaired, **{"indicateurs-0-target": ""}))
    assert "Indiquez la cible." in text(response)
    assert not Grant.objects.exists()


def test_the_same_indicator_twice_is_refused(staff, listed, circular, repaired) -> None:
    data = grant_data(
        repaired,
        **{
            "indicateurs-1-indicator": str(repaired.pk),
            "indicateurs-1-baseline": "0",
            "indicateurs-1-target": "10",
            "indicateurs-1-periodicity": "yearly",
            "indicateurs-1-first_due": "2026-12-31",
        },
    )
    response = staff.post(new_url(listed, circular), data)
    assert "est déjà suivi pour cette subvention" in text(response)
    assert not Grant.objects.exists()


def test_a_tampered_formset_is_answered_with_a_message_not_an_error(
    staff, listed, circular, repaired
) -> None:
    response = staff.post(new_url(listed, circular), grant_data(repaired, **{"versements-TOTAL_FORMS": "x"}))
    assert response.status_code == 200
    assert not Grant.objects.exists()


# --- Editing a draft --------------------------------------------------------------------------------


@pytest.fixture
def drafted(listed, circular, repaired, nadia) -> Grant:
    grant = draft(listed, circular, nadia)
    services.set_instalments(grant, [(date(2026, 2, 1), Decimal(24_000))], by=nadia)
    return grant


def edit_data(drafted, repaired, **overrides) -> dict:
    data = grant_data(
        repaired, **{"amount": "30000", "versements-0-amount": "15000", "versements-1-amount": "15000"}
    )
    data.update({"versements-INITIAL_FORMS": "1", "versements-TOTAL_FORMS": "4"})
    data.update(overrides)
    return data


def test_staff_change_a_draft_and_its_instalments(staff, drafted, repaired) -> None:
    response = staff.post(reverse("staff_grant_edit", args=[drafted.pk]), edit_data(drafted, repaired))
    drafted.refresh_from_db()
    assert response.url == reverse("staff_grant", args=[drafted.pk])
    assert drafted.amount == Decimal(30_000)
    assert drafted.instalments.count() == 2


def test_the_edit_form_shows_the_draft_s_instalments(staff, drafted) -> None:
    response = staff.get(reverse("staff_grant_edit", args=[drafted.pk]))
    assert 'value="2026-02-01"' in text(response)
    assert 'value="24000,00"' in text(response)


def test_an_indicator_already_followed_cannot_be_added_again(staff, drafted, repaired, nadia) -> None:
    services.add_grant_indicator(
        drafted, repaired, baseline=Decimal(1), target=Decimal(2), periodicity="yearly",
        first_due=date(2026, 12, 31), by=nadia,
    )  # fmt: skip
    response = staff.post(reverse("staff_grant_edit", args=[drafted.pk]), edit_data(drafted, repaired))
    assert "est déjà suivi pour cette subvention" in text(response)
    assert Grant.objects.get(pk=drafted.pk).amount == Decimal(24_000)


def test_an_awarded_grant_is_no_longer_edited(staff, grant) -> None:
    response = staff.get(reverse("staff_grant_edit", args=[grant.pk]), follow=True)
    assert "Une subvention attribuée ne se modifie plus." in text(response)


# --- Awarding ---------------------------------------------------------------------------------------


@pytest.fixture
def complete(drafted, repaired, nadia) -> Grant:
    services.add_grant_indicator(
        drafted, repaired, baseline=Decimal(900), target=Decimal(1200), periodicity="quarterly",
        first_due=date(2026, 3, 31), by=nadia,
    )  # fmt: skip
    return drafted


def test_a_complete_draft_for_an_eligible_organisation_is_awarded(staff, complete) -> None:
    response = staff.post(reverse("staff_grant", args=[complete.pk]), {"action": "award"}, follow=True)
    assert "La subvention est attribuée" in text(response)
    assert Grant.objects.get(pk=complete.pk).status == Grant.Status.AWARDED
    assert Report.objects.filter(grant_indicator__grant=complete).count() == 4


def test_the_award_button_refuses_an_ineligible_grant_with_every_reason(
    staff, org_b, circular, nadia
) -> None:
    grant = draft(org_b, circular, nadia)
    response = staff.post(reverse("staff_grant", args=[grant.pk]), {"action": "award"})
    assert "La subvention n'est pas attribuée" in text(response)
    assert "n'est ni référencée ni en démarche de progrès" in text(response)
    assert "Prévoyez au moins un versement." in text(response)
    assert Grant.objects.get(pk=grant.pk).status == Grant.Status.DRAFT


def test_the_award_button_refuses_a_grant_without_convention_date_and_says_why(
    staff, complete, nadia
) -> None:
    services.update_grant(complete, convention_date=None, by=nadia)
    response = staff.post(reverse("staff_grant", args=[complete.pk]), {"action": "award"})
    assert "Indiquez la date de la convention" in text(response) and "décret n° 2017-779" in text(response)
    assert Grant.objects.get(pk=complete.pk).status == Grant.Status.DRAFT


def test_a_purpose_longer_than_the_scdl_allows_is_refused_next_to_the_field(
    staff, listed, circular, repaired
) -> None:
    data = grant_data(repaired, purpose="a" * 257)
    response = staff.post(new_url(listed, circular), data)
    assert "L'objet compte au plus 256 caractères, la limite du format SCDL" in text(response)
    assert not Grant.objects.exists()


def test_a_draft_says_what_prevents_awarding_it(staff, drafted) -> None:
    response = staff.get(reverse("staff_grant", args=[drafted.pk]))
    assert "Avant de pouvoir l'attribuer" in text(response)
    assert "L'indicateur « Appareils réparés » exigé par le dispositif n'est pas suivi." in text(response)


def test_a_draft_shows_its_reporting_calendar_before_it_is_awarded(staff, complete) -> None:
    response = staff.get(reverse("staff_grant", args=[complete.pk]))
    assert "31 mars 2026" in text(response)
    assert "prévu à l'attribution" in text(response)


# --- The grant page: instalments ----------------------------------------------------------------------


@pytest.fixture
def late_report(grant) -> Report:
    report = Report.objects.filter(grant_indicator__grant=grant).order_by("due_date").first()
    Report.objects.filter(pk=report.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    return report


def test_a_blocked_instalment_says_why(staff, grant, late_report) -> None:
    response = staff.get(reverse("staff_grant", args=[grant.pk]))
    assert "bloqué" in text(response)
    assert "Le rapport « Appareils réparés » attendu le" in text(response)
    assert "est en retard." in text(response)


def test_paying_a_blocked_instalment_is_refused_with_the_reason(staff, grant, late_report) -> None:
    instalment = grant.instalments.order_by("planned_on").last()
    response = staff.post(
        reverse("staff_grant", args=[grant.pk]), {"action": "pay", "instalment": instalment.pk}, follow=True
    )
    assert "est en retard." in text(response)
    assert Instalment.objects.get(pk=instalment.pk).paid_on is None


def test_staff_record_the_payment_of_an_instalment(staff, grant) -> None:
    instalment = grant.instalments.order_by("planned_on").first()
    staff.post(reverse("staff_grant", args=[grant.pk]), {"action": "pay", "instalment": instalment.pk})
    assert Instalment.objects.get(pk=instalment.pk).paid_on == timezone.localdate()


@pytest.mark.parametrize("value", ["", "abc", "999999"])
def test_paying_an_unknown_instalment_is_not_found(staff, grant, value) -> None:
    response = staff.post(reverse("staff_grant", args=[grant.pk]), {"action": "pay", "instalment": value})
    assert response.status_code == 404


# --- Reports: validate or send back -------------------------------------------------------------------


@pytest.fixture
def submitted(report, alice) -> Report:
    return services.submit_report(
        report, value=Decimal(280), comment="Bon trimestre.", evidence=None, by=alice
    )


def test_the_grant_page_lists_the_reports_to_examine(staff, grant, submitted) -> None:
    response = staff.get(reverse("staff_grant", args=[grant.pk]))
    assert reverse("staff_report", args=[submitted.pk]) in text(response)


def test_staff_validate_a_report_and_the_chart_shows_its_value(staff, grant, submitted) -> None:
    response = staff.post(reverse("staff_report", args=[submitted.pk]), {"action": "validate"}, follow=True)
    assert "Le rapport est validé." in text(response)
    assert Report.objects.get(pk=submitted.pk).status == ReportState.VALIDATED
    assert "Valeurs validées, " in text(response) and " : 280\xa0appareils" in text(response)


def test_staff_send_a_report_back_with_a_message(staff, submitted) -> None:
    staff.post(
        reverse("staff_report", args=[submitted.pk]),
        {"action": "correct", "message": "Le justificatif manque."},
    )
    report = Report.objects.get(pk=submitted.pk)
    assert (report.status, report.staff_message) == (
        ReportState.CORRECTION_REQUESTED,
        "Le justificatif manque.",
    )


def test_sending_back_without_a_message_is_refused_next_to_the_field(staff, submitted) -> None:
    response = staff.post(
        reverse("staff_report", args=[submitted.pk]), {"action": "correct", "message": "  "}
    )
    assert "Expliquez ce qui doit être corrigé." in text(response)
    assert Report.objects.get(pk=submitted.pk).status == ReportState.SUBMITTED


def test_a_report_not_yet_submitted_cannot_be_validated(staff, report) -> None:
    response = staff.post(reverse("staff_report", args=[report.pk]), {"action": "validate"}, follow=True)
    assert "Seul un rapport remis s'examine." in text(response)
    assert Report.objects.get(pk=report.pk).status == ReportState.DUE


def test_validating_is_audited(staff, nadia, submitted) -> None:
    staff.post(reverse("staff_report", args=[submitted.pk]), {"action": "validate"})
    assert AuditEntry.objects.filter(action="report.validated", actor=nadia).exists()


def test_staff_download_a_report_s_evidence(staff, report, alice) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from solidaire.lib.documents import check_document
    from tests.referentiel.factory import pdf_bytes

    evidence = check_document(SimpleUploadedFile("suivi.pdf", pdf_bytes("Tableau de suivi")))
    services.submit_report(report, value=Decimal(280), comment="", evidence=evidence, by=alice)
    response = staff.get(reverse("staff_report_evidence", args=[report.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="suivi.pdf"'
    assert b"Tableau de suivi" in b"".join(response.streaming_content)


def test_a_report_without_evidence_has_nothing_to_download(staff, report) -> None:
    assert staff.get(reverse("staff_report_evidence", args=[report.pk])).status_code == 404


# --- The list --------------------------------------------------------------------------------------


def test_the_list_shows_the_grants_and_filters_them_by_status(staff, grant, drafted) -> None:
    response = staff.get(reverse("staff_grants"), {"statut": "draft"})
    assert reverse("staff_grant", args=[drafted.pk]) in text(response)
    assert reverse("staff_grant", args=[grant.pk]) + '"' not in text(response)
