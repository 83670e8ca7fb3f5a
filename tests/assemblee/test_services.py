"""The assembly's workflow without HTTP: applications, sessions, recusal, ballots, closing."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from assemblee import services
from assemblee.models import AgendaItem, Application, Ballot, BallotChange, Recusal, Session
from referentiel.models import ProgressPlan
from solidaire.models import AuditEntry, ConflictOfInterest, Organisation
from tests.assemblee.factory import make_colleges, make_member, make_session, on_agenda, ready_application
from tests.factory import make_user


@pytest.fixture
def colleges(db):
    return make_colleges()


@pytest.fixture
def members(colleges):
    """Two members per college."""
    return [make_member(college) for college in colleges for _ in range(2)]


@pytest.fixture
def application(org_a, alice, db) -> Application:
    return ready_application(org_a, alice)


@pytest.fixture
def session(nadia, application, members) -> Session:
    session = make_session(nadia)
    on_agenda(application, session, nadia)
    return services.publish_session(session, by=nadia)


@pytest.fixture
def item(session) -> AgendaItem:
    return session.items.get()


def vote_all(item: AgendaItem, members, choice: str) -> None:
    for member in members:
        services.cast_ballot(item, member, choice)


def close(session: Session) -> Session:
    Session.objects.filter(pk=session.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    services.close_session(session.pk)
    session.refresh_from_db()
    return session


# --- Applications ----------------------------------------------------------------------


def test_submitting_completes_the_assessment_and_makes_the_organisation_an_applicant(application) -> None:
    application.organisation.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert not application.assessment.is_draft
    assert application.organisation.status == Organisation.Status.APPLICANT


def test_an_application_without_offers_cannot_be_submitted(org_a, alice, db) -> None:
    from tests.referentiel.factory import make_referentiel

    make_referentiel()
    application = services.start_application(org_a, by=alice)
    with pytest.raises(ValidationError) as error:
        services.submit(application, by=alice)
    assert "Présentez au moins un produit ou un service." in error.value.messages
    assert "Commencez l'auto-évaluation au regard du référentiel." in error.value.messages


def test_the_checklist_says_at_which_step(org_a, alice, db) -> None:
    application = services.start_application(org_a, by=alice)
    assert [m.step for m in services.checklist(application)] == [2, 3]


def test_staff_send_an_incomplete_application_back_with_a_message(application, nadia) -> None:
    services.send_back(application, nadia, "Il manque la page des signatures des statuts.")
    application.refresh_from_db()
    assert (application.status, application.staff_message) == (
        "draft",
        "Il manque la page des signatures des statuts.",
    )


def test_only_a_submitted_application_can_be_sent_back_and_it_comes_back_to_complete(
    application, nadia
) -> None:
    assert application.can_be_sent_back
    sent_back = services.send_back(application, nadia, "Il manque la page des signatures des statuts.")
    assert sent_back.is_sent_back and not sent_back.can_be_sent_back


def test_only_staff_put_on_the_agenda(application, alice, nadia) -> None:
    session = make_session(nadia)
    with pytest.raises(PermissionDenied):
        services.put_on_agenda(application, session, by=alice)


def test_a_draft_cannot_be_put_on_the_agenda(org_b, charlie, nadia, db) -> None:
    from tests.referentiel.factory import make_referentiel

    make_referentiel()
    draft = services.start_application(org_b, by=charlie)
    with pytest.raises(ValidationError, match="n'attend pas"):
        services.put_on_agenda(draft, make_session(nadia), by=nadia)


def test_an_organisation_has_one_open_application(application, alice) -> None:
    assert services.start_application(application.organisation, by=alice) == application


def test_an_organisation_withdraws_before_a_decision(application, alice) -> None:
    application = services.withdraw(application, by=alice)
    application.organisation.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    assert application.organisation.status == Organisation.Status.DRAFT


# --- Sessions and recusal ----------------------------------------------------------------


def test_publishing_convenes_the_members_with_a_current_mandate(session, members) -> None:
    assert session.seats.count() == len(members)


def test_a_member_whose_mandate_ended_is_not_convened(nadia, application, colleges) -> None:
    former = make_member(colleges[0])
    former.mandates.update(ends_on=timezone.localdate() - timedelta(days=1))
    for college in colleges[1:]:
        make_member(college)
    session = make_session(nadia)
    on_agenda(application, session, nadia)
    services.publish_session(session, by=nadia)
    assert not session.seats.filter(user=former).exists()


def test_publishing_is_refused_when_the_weights_do_not_make_100(nadia, application, colleges) -> None:
    colleges[0].weight = 10
    colleges[0].save()
    session = make_session(nadia)
    on_agenda(application, session, nadia)
    with pytest.raises(ValidationError, match="font 90 au lieu de 100"):
        services.publish_session(session, by=nadia)


def test_publishing_is_refused_while_more_than_half_of_the_colleges_are_vacant(
    nadia, application, colleges
) -> None:
    for college in colleges[:2]:
        make_member(college)
    session = make_session(nadia)
    on_agenda(application, session, nadia)
    with pytest.raises(ValidationError) as error:
        services.publish_session(session, by=nadia)
    assert "3 sur 5 collèges n'ont aucun membre en mandat" in error.value.messages[0]
    assert "(Syndicats de salariés, Acteurs économiques, Région)" in error.value.messages[0]
    session.refresh_from_db()
    assert (session.status, session.seats.count()) == (Session.Status.DRAFT, 0)


def test_a_session_is_published_with_two_of_five_colleges_vacant(nadia, application, colleges) -> None:
    for college in colleges[:3]:
        make_member(college)
    session = make_session(nadia)
    on_agenda(application, session, nadia)
    assert services.publish_session(session, by=nadia).status == Session.Status.PUBLISHED


def test_a_threshold_saved_below_the_minimum_is_raised_to_it_by_the_tally(item, members, settings) -> None:
    Session.objects.filter(pk=item.session_id).update(quorum_members="0.1")
    services.cast_ballot(item, members[0], "admit")  # 1 of 10 members
    session = close(item.session)
    item.refresh_from_db()
    assert (item.tally["quorum"], item.outcome) == (False, AgendaItem.Outcome.NONE)
    assert session.applied_quorum_members == settings.ASSEMBLY_MIN_QUORUM_MEMBERS


def test_a_member_of_the_applicant_is_recused_automatically(nadia, application, colleges, alice) -> None:
    from assemblee.models import Mandate

    today = timezone.localdate()
    Mandate.objects.create(
        user=alice, college=colleges[2], starts_on=today, ends_on=today + timedelta(days=9)
    )
    for college in colleges[:2]:
        make_member(college)
    session = make_session(nadia)
    item = on_agenda(application, session, nadia)
    services.publish_session(session, by=nadia)
    assert Recusal.objects.get(item=item).user == alice
    with pytest.raises(ValidationError, match="déporté"):
        services.cast_ballot(item, alice, "admit")


def test_a_declared_conflict_recuses_the_member(nadia, application, members) -> None:
    ConflictOfInterest.objects.create(
        user=members[0], organisation=application.organisation, reason="Ancien salarié"
    )
    session = make_session(nadia)
    item = on_agenda(application, session, nadia)
    services.publish_session(session, by=nadia)
    assert Recusal.objects.get(item=item).user == members[0]


def test_a_member_declares_a_conflict_and_can_no_longer_vote(item, members) -> None:
    services.declare_conflict(item, members[3], "Je conseille cette coopérative.")
    with pytest.raises(ValidationError, match="déporté"):
        services.cast_ballot(item, members[3], "refuse")


# --- Ballots -------------------------------------------------------------------------------


def test_a_ballot_can_be_changed_and_every_change_is_kept(item, members) -> None:
    services.cast_ballot(item, members[0], "admit")
    services.cast_ballot(item, members[0], "refuse", "Après relecture")
    assert Ballot.objects.get().choice == "refuse"
    assert list(BallotChange.objects.values_list("choice", flat=True)) == ["admit", "refuse"]


def test_someone_not_seated_cannot_vote(item, dave) -> None:
    with pytest.raises(PermissionDenied):
        services.cast_ballot(item, dave, "admit")


def test_a_ballot_after_closing_is_refused(item, members) -> None:
    Session.objects.filter(pk=item.session_id).update(closes_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError, match="Le vote est clos"):
        services.cast_ballot(item, members[0], "admit")
    assert not Ballot.objects.exists()


def test_a_ballot_before_opening_is_refused(nadia, application, members) -> None:
    session = make_session(nadia, opens_in=timedelta(days=1))
    item = on_agenda(application, session, nadia)
    services.publish_session(session, by=nadia)
    with pytest.raises(ValidationError, match="pas encore ouvert"):
        services.cast_ballot(item, members[0], "admit")


def test_a_member_whose_mandate_ends_during_the_session_can_no_longer_vote(item, members) -> None:
    members[0].mandates.update(ends_on=timezone.localdate() - timedelta(days=1))
    with pytest.raises(PermissionDenied):
        services.cast_ballot(item, members[0], "admit")


def test_an_unknown_choice_is_refused(item, members) -> None:
    with pytest.raises(ValidationError, match="Choisissez"):
        services.cast_ballot(item, members[0], "peut-être")


# --- Closing and decisions ------------------------------------------------------------------


def test_an_admission_lists_the_organisation_for_three_years(item, members) -> None:
    vote_all(item, members, "admit")
    close(item.session)
    item.refresh_from_db()
    organisation = item.application.organisation
    organisation.refresh_from_db()
    assert (item.outcome, organisation.status) == ("admit", "listed")
    assert organisation.listed_until.year == timezone.localdate().year + 3


def test_a_progress_plan_decision_opens_a_demarche_de_progres(item, members) -> None:
    vote_all(item, members, "progress_plan")
    close(item.session)
    plan = ProgressPlan.objects.get()
    assert (plan.organisation, plan.origin, plan.assessment) == (
        item.application.organisation, "assembly", item.application.assessment,
    )  # fmt: skip


def test_a_refusal_refuses_the_application_and_the_organisation(item, members) -> None:
    vote_all(item, members, "refuse")
    close(item.session)
    item.application.refresh_from_db()
    item.application.organisation.refresh_from_db()
    assert (item.application.status, item.application.organisation.status) == ("refused", "refused")


def test_without_a_majority_the_application_waits_for_the_next_agenda(item, members) -> None:
    vote_all(item, members[:5], "admit")
    vote_all(item, members[5:], "refuse")
    close(item.session)
    item.refresh_from_db()
    assert item.outcome == "none"
    assert services.needs_agenda(item.application)


def test_the_tally_is_stored_with_the_decision_and_audited(item, members) -> None:
    vote_all(item, members, "admit")
    close(item.session)
    item.refresh_from_db()
    assert item.tally["scores"]["admit"] == "100.00"
    assert AuditEntry.objects.filter(action="assembly.decision", data__outcome="admit").exists()


def test_recused_ballots_never_count(item, members) -> None:
    services.cast_ballot(item, members[0], "refuse")
    services.declare_conflict(item, members[0], "Lien familial")
    vote_all(item, members[1:], "admit")
    close(item.session)
    item.refresh_from_db()
    assert (item.tally["eligible"], item.tally["present"], item.tally["scores"]["refuse"]) == (9, 9, "0.00")


@pytest.mark.parametrize("applicants", [1, 4])
def test_the_tally_takes_the_same_queries_whatever_the_items_and_members(
    nadia, colleges, django_assert_num_queries, applicants
) -> None:
    from tests.factory import make_organisation

    members = [make_member(college) for college in colleges for _ in range(applicants)]
    session = make_session(nadia)
    for n in range(applicants):
        admin = make_user()
        on_agenda(ready_application(make_organisation(f"Candidate {n}", admin=admin), admin), session, nadia)
    services.publish_session(session, by=nadia)
    for item in session.items.all():
        vote_all(item, members, "admit")
    with django_assert_num_queries(5):
        services.tally_session(session)


def test_a_session_closes_only_once(item, members) -> None:
    vote_all(item, members, "admit")
    Session.objects.filter(pk=item.session_id).update(closes_at=timezone.now() - timedelta(seconds=1))
    assert services.close_session(item.session_id) is True
    assert services.close_session(item.session_id) is False


def test_a_session_is_due_to_close_from_the_end_of_its_vote_until_it_is_closed(session) -> None:
    assert not session.is_due_to_close
    Session.objects.filter(pk=session.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    session.refresh_from_db()
    assert session.is_due_to_close
    services.close_session(session.pk)
    session.refresh_from_db()
    assert not session.is_due_to_close


def test_a_session_does_not_close_before_its_time(session) -> None:
    assert services.close_session(session.pk) is False
    session.refresh_from_db()
    assert session.status == Session.Status.PUBLISHED


def test_the_beat_job_closes_due_sessions(item, members) -> None:
    from assemblee.tasks import close_due_sessions

    vote_all(item, members, "admit")
    Session.objects.filter(pk=item.session_id).update(closes_at=timezone.now() - timedelta(seconds=1))
    assert close_due_sessions() == 1


def test_a_decision_survives_an_organisation_suspended_meanwhile(item, members, nadia) -> None:
    vote_all(item, members, "refuse")
    Organisation.objects.filter(pk=item.application.organisation_id).update(status="suspended")
    close(item.session)
    item.refresh_from_db()
    assert item.outcome == "refuse"
    assert AuditEntry.objects.filter(action="assembly.status_not_applied").exists()


# --- Concurrency (real connections on PostgreSQL) -------------------------------------------------


def run_at_once(count: int, target) -> list:
    barrier = threading.Barrier(count)
    outcomes: list = []

    def run() -> None:
        barrier.wait()
        try:
            outcomes.append(target())
        except Exception as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_simultaneous_ballots_of_one_member_leave_one_ballot(item, members) -> None:
    choices = iter(["admit", "refuse", "progress_plan", "abstain"] * 5)
    lock = threading.Lock()

    def vote():
        with lock:
            choice = next(choices)
        return services.cast_ballot(item, members[0], choice)

    outcomes = run_at_once(20, vote)
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert Ballot.objects.filter(item=item, member=members[0]).count() == 1
    assert BallotChange.objects.filter(item=item, member=members[0]).count() == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_ballot_racing_the_closing_is_counted_or_refused_never_lost(item, members) -> None:
    vote_all(item, members[1:], "admit")
    closes_at = timezone.now() + timedelta(milliseconds=200)
    Session.objects.filter(pk=item.session_id).update(closes_at=closes_at)

    def at(moment, action):
        def run():
            while timezone.now() < moment:
                pass
            return action()

        return run

    late_ballot = at(
        closes_at - timedelta(milliseconds=2), lambda: services.cast_ballot(item, members[0], "refuse")
    )
    closing = at(closes_at, lambda: services.close_session(item.session_id))
    with mock.patch("assemblee.tasks.after_session_closed.delay"):
        outcomes = run_two(late_ballot, closing)
    item.refresh_from_db()
    counted = Ballot.objects.filter(item=item, member=members[0]).exists()
    assert item.tally is not None, outcomes
    assert item.tally["present"] == (10 if counted else 9)
    assert counted or isinstance(outcomes[0], ValidationError)


def run_two(first, second) -> list:
    outcomes: list = [None, None]

    def wrap(index, target):
        def run() -> None:
            try:
                outcomes[index] = target()
            except Exception as error:
                outcomes[index] = error
            finally:
                connection.close()

        return run

    threads = [threading.Thread(target=wrap(0, first)), threading.Thread(target=wrap(1, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_closing_jobs_at_once_make_one_decision(item, members) -> None:
    vote_all(item, members, "admit")
    Session.objects.filter(pk=item.session_id).update(closes_at=timezone.now() - timedelta(seconds=1))
    with mock.patch("assemblee.tasks.after_session_closed.delay"):
        outcomes = run_at_once(2, lambda: services.close_session(item.session_id))
    assert sorted(outcomes) == [False, True]
    assert AuditEntry.objects.filter(action="assembly.decision").count() == 1


def test_a_sent_back_application_lets_the_organisation_fix_its_evidence(application, nadia, alice) -> None:
    from referentiel import services as referentiel_services
    from referentiel.models import Criterion
    from solidaire.lib.documents import check_document
    from tests.referentiel.factory import pdf_bytes

    services.send_back(application, nadia, "Il manque la page des signatures.")
    assessment = application.assessment
    assessment.refresh_from_db()
    criterion = Criterion.objects.get(code="gouv-1", domain__referentiel=assessment.referentiel)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = check_document(SimpleUploadedFile("signatures.pdf", pdf_bytes()))
    referentiel_services.add_evidence(assessment, criterion, upload, alice)
    application = services.submit(application, by=alice)
    assert application.status == Application.Status.SUBMITTED
    assert application.assessment.evidence.count() == 2


def test_evidence_of_a_withdrawn_application_is_deleted_after_the_retention_period(
    application, alice, settings
) -> None:
    from datetime import timedelta

    from referentiel.models import Evidence

    settings.EVIDENCE_RETENTION_DAYS = 30
    services.withdraw(application, by=alice)
    assert services.purge_expired_evidence(now=timezone.now() + timedelta(days=29)) == 0
    assert services.purge_expired_evidence(now=timezone.now() + timedelta(days=31)) == 1
    assert not Evidence.objects.exists()


def test_evidence_of_a_pending_application_is_kept(application) -> None:
    from datetime import timedelta

    from referentiel.models import Evidence

    services.purge_expired_evidence(now=timezone.now() + timedelta(days=4000))
    assert Evidence.objects.count() == 1
