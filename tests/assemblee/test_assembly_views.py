"""The assembly members' pages: their sessions, a dossier, the ballot, conflicts, results, minutes."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from assemblee import services
from assemblee.models import AgendaItem, Ballot, BallotChange, Mandate, Session
from tests.assemblee.factory import make_colleges, make_member, make_session, on_agenda, ready_application
from tests.factory import add_member, make_user

# --- An assembly of five colleges, one member each, and Léa's application on the agenda -------


@pytest.fixture
def colleges(db):
    return make_colleges()


@pytest.fixture
def claire(colleges):
    """Consumers' college."""
    return make_member(colleges[0], "claire@example.org", full_name="Claire Dubois")


@pytest.fixture
def remi(colleges):
    """Researchers' college."""
    return make_member(colleges[1], "remi@example.org", full_name="Rémi Caron")


@pytest.fixture
def paul(colleges, org_a):
    """Unions' college, and on the board of the applicant."""
    user = make_member(colleges[2], "paul@example.org", full_name="Paul Morel")
    add_member(org_a, user)
    return user


@pytest.fixture
def eva(colleges):
    """Economic actors' college."""
    return make_member(colleges[3], "eva@example.org", full_name="Eva Lambert")


@pytest.fixture
def regis(colleges):
    """The Region's college."""
    return make_member(colleges[4], "regis@example.org", full_name="Régis Le Gall")


@pytest.fixture
def members(claire, remi, paul, eva, regis):
    return [claire, remi, paul, eva, regis]


@pytest.fixture
def session(nadia, org_a, alice, members) -> Session:
    session = make_session(nadia)
    on_agenda(ready_application(org_a, alice), session, nadia)
    return services.publish_session(session, by=nadia)


@pytest.fixture
def item(session) -> AgendaItem:
    return session.items.select_related("application__organisation").get()


def item_url(item: AgendaItem) -> str:
    return reverse("assembly_item", args=[item.session_id, item.pk])


def close(session: Session) -> Session:
    Session.objects.filter(pk=session.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    services.close_session(session.pk)
    session.refresh_from_db()
    return session


# --- Sessions ------------------------------------------------------------------------------


def test_a_member_sees_their_open_session_and_what_is_left_to_vote(client, claire, session) -> None:
    client.force_login(claire)
    response = client.get(reverse("assembly_home"))
    assert session.title in response.text
    assert "Il vous reste 1 point à voter." in response.text


def test_the_menu_leads_assembly_members_to_the_assembly(client, claire, session) -> None:
    client.force_login(claire)
    response = client.get(reverse("dashboard"))
    assert reverse("assembly_home") in response.text


def test_the_agenda_shows_each_application_and_the_members_vote(client, claire, item) -> None:
    services.cast_ballot(item, claire, "admit")
    client.force_login(claire)
    response = client.get(reverse("assembly_session", args=[item.session_id]))
    assert "Atelier du Réemploi" in response.text
    assert "Admettre" in response.text


def test_a_recused_member_sees_why_on_the_agenda(client, paul, item) -> None:
    client.force_login(paul)
    response = client.get(reverse("assembly_session", args=[item.session_id]))
    assert "Vous êtes déporté(e) sur ce point : Membre de l&#x27;organisation candidate" in response.text


# --- The dossier and the ballot ------------------------------------------------------------


def test_a_seated_member_reads_the_dossier_with_its_evidence(client, claire, item) -> None:
    client.force_login(claire)
    response = client.get(item_url(item))
    evidence = item.application.assessment.evidence.get()
    assert "Les salariés élisent-ils des représentants au conseil ?" in response.text
    assert reverse("evidence_download", args=[evidence.assessment_id, evidence.pk]) in response.text


def test_a_seated_member_downloads_the_evidence(client, claire, item) -> None:
    evidence = item.application.assessment.evidence.get()
    client.force_login(claire)
    response = client.get(reverse("evidence_download", args=[evidence.assessment_id, evidence.pk]))
    assert response.status_code == 200


def test_a_member_votes_with_a_comment(client, claire, item) -> None:
    client.force_login(claire)
    response = client.post(
        item_url(item), {"action": "ballot", "choice": "admit", "comment": "Dossier solide."}, follow=True
    )
    assert "Votre vote est enregistré : admettre." in response.text
    assert Ballot.objects.get(item=item, member=claire).comment == "Dossier solide."


def test_a_member_changes_their_vote_and_both_versions_are_kept(client, claire, item) -> None:
    client.force_login(claire)
    client.post(item_url(item), {"action": "ballot", "choice": "admit"})
    response = client.post(item_url(item), {"action": "ballot", "choice": "progress_plan"}, follow=True)
    assert "Votre vote actuel : <strong>proposer une démarche de progrès</strong>" in response.text
    assert Ballot.objects.filter(item=item, member=claire).count() == 1
    assert BallotChange.objects.filter(item=item, member=claire).count() == 2


def test_a_ballot_without_a_choice_says_what_to_choose(client, claire, item) -> None:
    client.force_login(claire)
    response = client.post(item_url(item), {"action": "ballot", "choice": ""})
    assert 'id="id_choice_error"' in response.text
    assert not Ballot.objects.filter(item=item).exists()


def test_a_recused_member_sees_why_and_has_no_ballot_form(client, paul, item) -> None:
    client.force_login(paul)
    response = client.get(item_url(item))
    assert "Vous êtes déporté(e) sur ce point" in response.text
    assert 'name="choice"' not in response.text


def test_a_recused_member_cannot_vote_by_posting_anyway(client, paul, item) -> None:
    client.force_login(paul)
    response = client.post(item_url(item), {"action": "ballot", "choice": "admit"})
    assert "vous ne pouvez pas y voter" in response.text
    assert not Ballot.objects.filter(item=item).exists()


def test_a_ballot_after_closing_time_is_refused_with_the_reason(client, claire, item) -> None:
    Session.objects.filter(pk=item.session_id).update(closes_at=timezone.now() - timedelta(minutes=1))
    client.force_login(claire)
    response = client.post(item_url(item), {"action": "ballot", "choice": "admit"})
    assert "Le vote est clos : votre bulletin n&#x27;a pas été enregistré." in response.text
    assert not Ballot.objects.filter(item=item).exists()


def test_a_member_declares_a_conflict_and_is_recused(client, claire, item) -> None:
    client.force_login(claire)
    response = client.post(
        item_url(item), {"action": "conflict", "reason": "Ma sœur y travaille."}, follow=True
    )
    assert "Vous êtes déporté(e) sur ce point : Ma sœur y travaille." in response.text
    assert 'name="choice"' not in response.text


def test_a_conflict_without_reason_is_refused(client, claire, item) -> None:
    client.force_login(claire)
    response = client.post(item_url(item), {"action": "conflict", "reason": "  "})
    assert 'id="id_reason_error"' in response.text
    assert not item.recusals.filter(user=claire).exists()


# --- Who gets in ----------------------------------------------------------------------------


def test_a_member_without_a_second_factor_is_sent_to_set_it_up(client, colleges, session) -> None:
    member = make_user("sans-totp@example.org", totp=False)
    today = timezone.localdate()
    Mandate.objects.create(
        user=member, college=colleges[0], starts_on=today, ends_on=today + timedelta(days=30)
    )
    client.force_login(member)
    response = client.get(reverse("assembly_home"))
    assert response.url == reverse("mfa_activate_totp")


def test_a_member_not_seated_in_the_session_gets_404(client, colleges, item) -> None:
    newcomer = make_member(colleges[0], "nouveau@example.org")  # mandate after publication: no seat
    client.force_login(newcomer)
    assert client.get(reverse("assembly_session", args=[item.session_id])).status_code == 404
    assert client.get(item_url(item)).status_code == 404


def test_someone_outside_the_assembly_is_refused(client, dave, item) -> None:
    client.force_login(dave)
    assert client.get(item_url(item)).status_code == 403


def test_a_visitor_is_asked_to_sign_in(client, item) -> None:
    response = client.get(item_url(item))
    assert response.url.startswith(reverse("account_login"))


# --- Results and minutes ---------------------------------------------------------------------


def test_results_wait_for_the_session_to_close(client, claire, item) -> None:
    client.force_login(claire)
    response = client.get(reverse("assembly_results", args=[item.session_id]))
    assert "pas encore close" in response.text
    assert "Score pondéré" not in response.text


@pytest.fixture
def results(client, claire, remi, eva, item):
    """The results as Claire reads them after she, Rémi and Eva voted to admit; Paul, the only
    member of the unions' college, is recused (he sits on the applicant's board)."""
    for member in (claire, remi, eva):
        services.cast_ballot(item, member, "admit")
    close(item.session)
    client.force_login(claire)
    return client.get(reverse("assembly_results", args=[item.session_id]))


def test_results_show_the_decision_and_the_shares_per_college_after_closing(results) -> None:
    assert "Décision : admission" in results.text
    assert "Votants : 3 sur 4 membres appelés à voter" in results.text
    assert "100,00 %" in results.text


def test_results_count_the_represented_colleges_out_of_all_of_them(results) -> None:
    assert "collèges représentés : 3 sur 5." in results.text  # the recused college is not represented


def test_staff_read_the_results_of_any_session(client, nadia, claire, item) -> None:
    services.cast_ballot(item, claire, "refuse")
    close(item.session)
    client.force_login(nadia)
    response = client.get(reverse("assembly_results", args=[item.session_id]))
    assert "Consommateurs et usagers" in response.text


def test_the_minutes_are_served_once_they_exist(client, claire, item) -> None:
    session = close(item.session)
    client.force_login(claire)
    assert client.get(reverse("assembly_minutes", args=[session.pk])).status_code == 404
    session.minutes.save("pv.pdf", ContentFile(b"%PDF-1.4 test"))
    response = client.get(reverse("assembly_minutes", args=[session.pk]))
    assert response["Content-Type"] == "application/pdf"


def test_someone_outside_the_assembly_cannot_read_the_minutes(client, dave, item) -> None:
    client.force_login(dave)
    assert client.get(reverse("assembly_minutes", args=[item.session_id])).status_code == 403
