from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from referentiel import services
from referentiel.models import Commitment, CommitmentReminder, Criterion, ProgressPlan
from tests.referentiel.conftest import answer_all


@pytest.fixture
def assessment_with_gaps(draft, alice):
    answer_all(draft, alice, {"gouv-1": (False, ""), "gouv-2": (1, ""), "env-1": (60, ""), "env-2": (4, "")})
    return draft


@pytest.fixture
def plan(assessment_with_gaps) -> ProgressPlan:
    return services.open_progress_plan(
        assessment_with_gaps.organisation, by=None, origin=ProgressPlan.Origin.ASSEMBLY,
        assessment=assessment_with_gaps, reference="Séance du 12 mars",
    )  # fmt: skip


def test_a_plan_opened_by_the_assembly_has_a_commitment_per_gap(plan) -> None:
    assert sorted(plan.commitments.values_list("criterion__code", flat=True)) == ["gouv-1", "gouv-2"]
    assert plan.status == ProgressPlan.Status.OPEN


def test_each_commitment_has_its_two_reminders_scheduled(plan) -> None:
    commitment = plan.commitments.first()
    due = dict(commitment.reminders.values_list("kind", "due_at"))
    assert timezone.localtime(due["before_15"]).date() == commitment.deadline - timedelta(days=15)
    assert timezone.localtime(due["after_1"]).date() == commitment.deadline + timedelta(days=1)


def test_the_organisation_updates_a_commitment_with_a_note(client, bob, plan) -> None:
    commitment = plan.commitments.first()
    client.force_login(bob)
    client.post(
        reverse("progress_plan", args=[plan.organisation.slug]),
        {
            "commitment": commitment.pk,
            f"c{commitment.pk}-status": "in_progress",
            f"c{commitment.pk}-note": "Statuts en cours de révision",
        },
    )
    commitment.refresh_from_db()
    assert commitment.status == "in_progress"
    assert commitment.notes.get().text == "Statuts en cours de révision"


def test_when_every_commitment_is_done_the_plan_is_complete_and_a_new_application_is_possible(
    plan, alice
) -> None:
    assert not services.may_apply_again(plan.organisation)
    for commitment in plan.commitments.all():
        services.update_commitment(commitment, status=Commitment.Status.DONE, note="", by=alice)
    plan.refresh_from_db()
    assert plan.status == ProgressPlan.Status.COMPLETED
    assert services.may_apply_again(plan.organisation)


def test_an_outsider_cannot_see_the_plan(client, charlie, plan) -> None:
    client.force_login(charlie)
    assert client.get(reverse("progress_plan", args=[plan.organisation.slug])).status_code == 404


def test_staff_draft_a_plan_add_a_commitment_and_hand_it_over(client, nadia, org_a, referentiel) -> None:
    client.force_login(nadia)
    url = reverse("staff_progress_plan", args=[org_a.slug])
    client.post(url, {"do": "create"})
    criterion = Criterion.objects.get(code="env-1", domain__referentiel=referentiel)
    deadline = (date.today() + timedelta(days=90)).isoformat()
    client.post(
        url, {"do": "add", "criterion": criterion.pk, "action": "Acheter local", "deadline": deadline}
    )
    client.post(url, {"do": "start"})
    plan = org_a.progress_plans.get()
    assert plan.status == ProgressPlan.Status.OPEN
    assert plan.commitments.get().action == "Acheter local"


@pytest.mark.parametrize("deadline", ["0001-01-05", "9999-12-31", "1899-12-31"])
def test_a_deadline_no_one_means_is_refused_with_a_message(
    client, nadia, org_a, referentiel, deadline: str
) -> None:
    """A deadline on 5 January of year 1 scheduled its reminder 15 days earlier, before the
    first date Python can hold: a server error (found by tests/test_fuzzing.py)."""
    client.force_login(nadia)
    url = reverse("staff_progress_plan", args=[org_a.slug])
    client.post(url, {"do": "create"})
    criterion = Criterion.objects.get(code="env-1", domain__referentiel=referentiel)

    response = client.post(
        url, {"do": "add", "criterion": criterion.pk, "action": "Acheter local", "deadline": deadline}
    )

    assert response.status_code == 200
    assert "Saisissez une date entre 1900 et 2999." in response.text
    assert not Commitment.objects.exists()


def test_a_drafted_plan_is_not_shown_to_the_organisation_until_handed_over(
    client, alice, org_a, nadia, referentiel
) -> None:
    plan = services.open_progress_plan(org_a, by=nadia, origin=ProgressPlan.Origin.STAFF)
    criterion = Criterion.objects.get(code="env-1", domain__referentiel=referentiel)
    services.add_commitment(plan, criterion, "Acheter local", date.today() + timedelta(days=60))
    client.force_login(alice)
    url = reverse("progress_plan", args=[org_a.slug])
    assert "Acheter local" not in client.get(url).text
    services.start_plan(plan, by=nadia)
    assert "Acheter local" in client.get(url).text


def test_moving_a_deadline_moves_its_pending_reminders(plan) -> None:
    commitment = plan.commitments.first()
    commitment.deadline += timedelta(days=30)
    commitment.save()
    services.schedule_commitment_reminders(commitment)
    due = timezone.localtime(
        CommitmentReminder.objects.get(commitment=commitment, kind="before_15").due_at
    ).date()
    assert due == commitment.deadline - timedelta(days=15)
