import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from referentiel import services
from referentiel.models import Criterion, PeerReview, ReviewReply
from solidaire import services as core
from solidaire.models import ConflictOfInterest, Organisation
from tests.factory import make_organisation, make_user


def listed_member(email: str):
    user = make_user(email)
    organisation = make_organisation(
        f"Organisation de {email}", admin=user, status=Organisation.Status.APPLICANT
    )
    core.admit(organisation, by=None)
    return user


@pytest.fixture
def reviewer(db):
    return listed_member("yann@example.org")


@pytest.fixture
def review(completed, reviewer, nadia, django_capture_on_commit_callbacks) -> PeerReview:
    with django_capture_on_commit_callbacks(execute=True):
        return services.assign_reviewer(completed, reviewer, by=nadia)


def test_staff_assign_a_reviewer_who_is_told_by_email(review, reviewer) -> None:
    assert mail.outbox[0].to == [reviewer.email]
    assert reverse("review_detail", args=[review.pk]) in mail.outbox[0].body


def test_staff_assign_reviewers_from_their_page(client, nadia, completed, reviewer) -> None:
    client.force_login(nadia)
    client.post(reverse("staff_assign_reviewers", args=[completed.pk]), {"email": reviewer.email})
    assert completed.reviews.get().reviewer == reviewer


def test_a_reviewer_from_the_assessed_organisation_is_refused(client, nadia, completed, bob) -> None:
    client.force_login(nadia)
    response = client.post(reverse("staff_assign_reviewers", args=[completed.pk]), {"email": bob.email})
    assert "Un membre de l&#x27;organisation évaluée ne peut pas en être le relecteur." in response.text
    assert not completed.reviews.exists()


def test_a_reviewer_with_a_declared_conflict_is_refused(completed, reviewer, nadia) -> None:
    ConflictOfInterest.objects.create(
        user=reviewer, organisation=completed.organisation, reason="Ancien salarié"
    )
    with pytest.raises(ValidationError, match="conflit d'intérêts"):
        services.assign_reviewer(completed, reviewer, by=nadia)


def test_someone_outside_the_pools_is_refused(completed, dave, nadia) -> None:
    with pytest.raises(ValidationError, match="membres de l'assemblée ou d'organisations référencées"):
        services.assign_reviewer(completed, dave, by=nadia)


def test_a_third_reviewer_is_refused(completed, nadia) -> None:
    services.assign_reviewer(completed, listed_member("a@example.org"), by=nadia)
    services.assign_reviewer(completed, listed_member("b@example.org"), by=nadia)
    with pytest.raises(ValidationError, match="deux relecteurs"):
        services.assign_reviewer(completed, listed_member("c@example.org"), by=nadia)


def test_only_staff_assign_reviewers(completed, reviewer, alice) -> None:
    with pytest.raises(PermissionDenied):
        services.assign_reviewer(completed, reviewer, by=alice)


def opinions(assessment, agrees: bool = True) -> dict:
    data = {"summary": "Une belle dynamique coopérative.", "go": "submit"}
    for criterion in Criterion.objects.filter(domain__referentiel=assessment.referentiel):
        data[f"agree_{criterion.pk}"] = "1" if agrees else "0"
        data[f"comment_{criterion.pk}"] = f"Avis sur {criterion.code}"
    return data


def test_a_reviewer_gives_an_opinion_on_each_criterion_and_submits(client, review, reviewer) -> None:
    client.force_login(reviewer)
    client.post(reverse("review_detail", args=[review.pk]), opinions(review.assessment, agrees=False))
    review.refresh_from_db()
    assert review.status == PeerReview.Status.SUBMITTED
    assert review.comments.filter(agrees=False).count() == 5


def test_submitting_needs_an_opinion_on_every_criterion(client, review, reviewer) -> None:
    client.force_login(reviewer)
    data = opinions(review.assessment)
    del data[next(k for k in data if k.startswith("agree_"))]
    response = client.post(reverse("review_detail", args=[review.pk]), data)
    assert "Donnez votre avis sur chaque critère avant de rendre la relecture." in response.text
    review.refresh_from_db()
    assert review.status == PeerReview.Status.ASSIGNED


def test_the_organisation_is_told_and_replies_to_a_comment(
    client, review, reviewer, alice, django_capture_on_commit_callbacks
) -> None:
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("review_detail", args=[review.pk]), opinions(review.assessment, agrees=False))
    assert "alice@example.org" in {m.to[0] for m in mail.outbox}
    comment = review.comments.first()
    client.force_login(alice)
    client.post(
        reverse("review_reply", args=[review.assessment_id, comment.pk]), {"text": "Nous avons voté hier."}
    )
    assert ReviewReply.objects.get().text == "Nous avons voté hier."


def test_the_whole_exchange_is_shown_with_the_assessment(client, review, reviewer, alice) -> None:
    client.force_login(reviewer)
    client.post(reverse("review_detail", args=[review.pk]), opinions(review.assessment, agrees=False))
    services.reply_to_comment(review.comments.first(), "Nous avons voté hier.", by=alice)
    client.force_login(alice)
    response = client.get(reverse("assessment_result", args=[review.assessment_id]))
    assert "ne partage pas cette réponse." in response.text
    assert "Nous avons voté hier." in response.text


def test_a_reviewer_cannot_reply_in_the_organisations_name(review, reviewer, client) -> None:
    client.force_login(reviewer)
    client.post(reverse("review_detail", args=[review.pk]), opinions(review.assessment))
    with pytest.raises(PermissionDenied):
        services.reply_to_comment(review.comments.first(), "…", by=reviewer)


def test_another_user_cannot_open_the_review(client, review, dave) -> None:
    client.force_login(dave)
    assert client.get(reverse("review_detail", args=[review.pk])).status_code == 404
