"""Reports: states (late derived from the due date), who may do what, evidence."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from solidaire.lib.documents import check_document
from subventions import services
from subventions.forms import ReportForm
from subventions.models import Report, ReportState
from tests.referentiel.factory import pdf_bytes


def submit(report: Report, by, evidence=None) -> Report:
    return services.submit_report(
        report, value=Decimal(280), comment=" Bon trimestre. ", evidence=evidence, by=by
    )


def spreadsheet() -> SimpleUploadedFile:
    return SimpleUploadedFile("suivi.pdf", pdf_bytes("Tableau de suivi"))


def make_late(report: Report) -> Report:
    Report.objects.filter(pk=report.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    report.refresh_from_db()
    return report


@pytest.fixture
def submitted(report, alice) -> Report:
    return submit(report, alice)


# --- States ------------------------------------------------------------------------------


def test_a_report_is_due_until_its_due_date(report) -> None:
    assert report.state == ReportState.DUE
    assert not Report.objects.late().exists()


def test_a_report_not_submitted_by_its_due_date_is_late(report) -> None:
    late = make_late(report)
    assert late.get_state_display() == "en retard"
    assert list(Report.objects.late()) == [late]


def test_lists_can_sort_and_filter_on_the_state_late_included(report) -> None:
    make_late(report)
    states = Report.objects.with_state().order_by("due_date").values_list("current_state", flat=True)
    assert list(states)[:2] == ["late", "due"]


def test_a_late_report_once_submitted_is_no_longer_late(report, alice) -> None:
    submitted = submit(make_late(report), alice)
    assert submitted.state == ReportState.SUBMITTED
    assert not Report.objects.late().exists()


# --- May it be filed now (Report.can_be_reported) ----------------------------------------


def test_a_due_report_of_an_awarded_grant_can_be_reported_once_its_period_has_begun(report) -> None:
    assert report.can_be_reported
    Report.objects.filter(pk=report.pk).update(period_start=timezone.localdate() + timedelta(days=1))
    assert not Report.objects.get(pk=report.pk).can_be_reported


def test_the_reports_of_a_closed_grant_can_no_longer_be_reported(report, grant, nadia) -> None:
    services.close_grant(grant, by=nadia)
    assert not Report.objects.get(pk=report.pk).can_be_reported


def test_a_submitted_report_can_be_reported_again_only_when_staff_ask_for_a_correction(
    submitted, nadia
) -> None:
    assert not submitted.can_be_reported
    corrected = services.request_correction(submitted, message="La valeur paraît trop haute.", by=nadia)
    assert corrected.can_be_reported


def test_a_report_is_awaited_until_it_is_submitted_and_again_when_sent_back(submitted, nadia) -> None:
    assert not Report.objects.awaited().filter(pk=submitted.pk).exists()
    services.request_correction(submitted, message="La valeur paraît trop haute.", by=nadia)
    assert Report.objects.awaited().filter(pk=submitted.pk).exists()


# --- Who may do what ---------------------------------------------------------------------


def test_members_reach_the_reports_of_their_organisation_only(report, bob, charlie) -> None:
    assert list(Report.objects.for_user(bob).filter(pk=report.pk)) == [report]
    assert not Report.objects.for_user(charlie).exists()


def test_a_member_submits_a_value_with_evidence_kept_in_private_storage(report, bob) -> None:
    submitted = submit(report, bob, evidence=check_document(spreadsheet()))
    storage, name = submitted.evidence.storage, submitted.evidence.name
    assert (submitted.state, submitted.value, submitted.comment) == ("submitted", 280, "Bon trimestre.")
    assert storage.exists(name)
    assert not Path(storage.path(name)).is_relative_to(settings.MEDIA_ROOT)
    assert (submitted.evidence_name, submitted.evidence_type) == ("suivi.pdf", "application/pdf")


def test_a_member_of_another_organisation_may_not_submit(report, charlie) -> None:
    with pytest.raises(PermissionDenied):
        submit(report, charlie)
    assert Report.objects.get(pk=report.pk).status == ReportState.DUE


def test_staff_may_not_submit_for_the_organisation(report, nadia) -> None:
    with pytest.raises(PermissionDenied):
        submit(report, nadia)


def test_a_member_may_not_validate_its_own_report(submitted, alice) -> None:
    with pytest.raises(PermissionDenied):
        services.validate_report(submitted, by=alice)
    assert Report.objects.get(pk=submitted.pk).status == ReportState.SUBMITTED


def test_a_member_may_not_send_a_report_back(submitted, alice) -> None:
    with pytest.raises(PermissionDenied):
        services.request_correction(submitted, message="Non.", by=alice)


def test_staff_validate_a_submitted_report(submitted, nadia) -> None:
    validated = services.validate_report(submitted, by=nadia)
    assert (validated.state, validated.reviewed_by) == (ReportState.VALIDATED, nadia)


def test_staff_send_a_report_back_with_a_message_that_members_receive(
    submitted, nadia, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.request_correction(submitted, message="Joignez le justificatif du trimestre.", by=nadia)
    assert Report.objects.get(pk=submitted.pk).state == ReportState.CORRECTION_REQUESTED
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert "Joignez le justificatif du trimestre." in mail.outbox[0].body


def test_a_correction_request_needs_a_message(submitted, nadia) -> None:
    with pytest.raises(ValidationError):
        services.request_correction(submitted, message="  ", by=nadia)


def test_a_report_sent_back_is_submitted_again_with_new_evidence(submitted, nadia, alice) -> None:
    services.request_correction(submitted, message="Le justificatif manque.", by=nadia)
    again = submit(submitted, alice, evidence=check_document(spreadsheet()))
    assert again.state == ReportState.SUBMITTED
    assert again.evidence_name == "suivi.pdf"


def test_a_validated_report_is_not_submitted_again(submitted, nadia, alice) -> None:
    services.validate_report(submitted, by=nadia)
    with pytest.raises(ValidationError):
        submit(submitted, alice)


def test_a_report_still_due_cannot_be_validated(report, nadia) -> None:
    with pytest.raises(ValidationError):
        services.validate_report(report, by=nadia)


def test_a_report_of_a_period_not_started_yet_is_refused(grant, alice) -> None:
    future = Report.objects.filter(grant_indicator__grant=grant).order_by("due_date").last()
    with pytest.raises(ValidationError):
        submit(future, alice)


def test_every_step_of_a_report_is_in_the_audit_trail(submitted, nadia) -> None:
    from solidaire.models import AuditEntry

    services.validate_report(submitted, by=nadia)
    entries = AuditEntry.objects.filter(action__startswith="report.").order_by("pk").with_names()
    assert [(entry.action, entry.author) for entry in entries] == [
        ("report.submit", "Alice Martin"), ("report.validated", "Nadia Benali"),
    ]  # fmt: skip


# --- The form -----------------------------------------------------------------------------


def test_the_report_form_refuses_evidence_that_is_not_a_document(db) -> None:
    upload = SimpleUploadedFile("suivi.xlsx", b"#!/bin/sh\necho not a spreadsheet\n")
    form = ReportForm({"value": "280"}, {"evidence": upload})
    assert form.errors["evidence"] == [
        "Ce type de fichier n'est pas accepté : envoyez un PDF, une image ou un document bureautique."
    ]
