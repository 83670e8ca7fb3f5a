"""Regional staff: the queue, completeness, colleges, mandates and sessions (journey 2)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assemblee import services
from assemblee.models import AgendaItem, Application, College, Mandate, Session
from tests.assemblee.factory import make_colleges, make_member, make_session, ready_application
from tests.factory import make_organisation, make_user
from tests.referentiel.factory import make_referentiel

STAFF_PAGES = [
    ("staff_applications", False),
    ("staff_application", True),
    ("staff_colleges", False),
    ("staff_mandates", False),
    ("staff_sessions", False),
    ("staff_session_new", False),
    ("staff_session", True),
]


@pytest.fixture
def referentiel(db):
    return make_referentiel()


@pytest.fixture
def colleges(db) -> list[College]:
    return make_colleges()


@pytest.fixture
def submitted(org_a, alice, referentiel) -> Application:
    return ready_application(org_a, alice)


@pytest.fixture
def session(nadia) -> Session:
    return make_session(nadia, opens_in=timedelta(days=1))


def submitted_at(organisation_name: str, days_ago: int) -> Application:
    """A submitted application, cheaply: the queue only reads the application and its organisation."""
    return Application.objects.create(
        organisation=make_organisation(organisation_name),
        status=Application.Status.SUBMITTED,
        submitted_at=timezone.now() - timedelta(days=days_ago),
    )


def session_data(**overrides) -> dict:
    start = timezone.localtime() + timedelta(days=10)
    data = {
        "title": "Séance de printemps",
        "place": "Hôtel de Région, Rennes",
        "online_url": "",
        "opens_at": start.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (start + timedelta(days=11)).strftime("%Y-%m-%dT%H:%M"),
        "quorum_members": "0,5",
        "quorum_colleges": "0,5",
    }
    data.update(overrides)
    return data


# --- Access -----------------------------------------------------------------------------------


def page_url(name: str, with_pk: bool, submitted: Application, session: Session) -> str:
    if not with_pk:
        return reverse(name)
    return reverse(name, args=[submitted.pk if name == "staff_application" else session.pk])


@pytest.mark.parametrize("name,with_pk", STAFF_PAGES)
@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_people_outside_staff_are_refused(
    client, request, persona, name, with_pk, submitted, session
) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(page_url(name, with_pk, submitted, session)).status_code == 403


@pytest.mark.parametrize("name,with_pk", STAFF_PAGES)
def test_staff_without_a_second_factor_are_sent_to_set_it_up(
    client, staff_without_2fa, name, with_pk, submitted, session
) -> None:
    client.force_login(staff_without_2fa)
    assert client.get(page_url(name, with_pk, submitted, session)).url == reverse("mfa_activate_totp")


@pytest.mark.parametrize("name,with_pk", STAFF_PAGES)
def test_staff_open_every_page(client, nadia, name, with_pk, submitted, session) -> None:
    client.force_login(nadia)
    assert client.get(page_url(name, with_pk, submitted, session)).status_code == 200


def test_an_unknown_application_is_not_found(client, nadia) -> None:
    client.force_login(nadia)
    assert client.get(reverse("staff_application", args=[999])).status_code == 404


def test_the_staff_menu_links_to_the_assembly_pages(client, nadia) -> None:
    client.force_login(nadia)
    response = client.get(reverse("staff_applications"))
    assert f'href="{reverse("staff_sessions")}"' in response.text
    assert f'href="{reverse("staff_mandates")}"' in response.text


# --- The queue --------------------------------------------------------------------------------


def test_the_queue_lists_submitted_applications_oldest_first(client, nadia) -> None:
    submitted_at("Récent", days_ago=1)
    submitted_at("Ancien", days_ago=9)
    submitted_at("Moyen", days_ago=4)
    client.force_login(nadia)
    text = client.get(reverse("staff_applications")).text
    queue = text[: text.index("queue-title") + text[text.index("queue-title") :].index("</table>")]
    assert queue.index("Ancien") < queue.index("Moyen") < queue.index("Récent")


def test_the_queue_leaves_drafts_out(client, nadia, org_b, charlie, referentiel) -> None:
    services.start_application(org_b, by=charlie)
    client.force_login(nadia)
    assert "Aucune candidature à vérifier." in client.get(reverse("staff_applications")).text


def test_applications_left_without_decision_are_listed_to_be_put_on_an_agenda_again(
    client, nadia, submitted, colleges
) -> None:
    session = make_session(nadia)
    services.put_on_agenda(submitted, session, by=nadia)
    Session.objects.filter(pk=session.pk).update(status=Session.Status.CLOSED)
    client.force_login(nadia)
    response = client.get(reverse("staff_applications"))
    assert "Sans décision à leur dernière séance" in response.text
    assert submitted.organisation.name in response.text


def test_the_list_filters_applications_by_status(client, nadia, org_b, charlie, referentiel) -> None:
    submitted_at("Soumise ici", days_ago=2)
    services.start_application(org_b, by=charlie)
    client.force_login(nadia)
    response = client.get(reverse("staff_applications"), {"statut": "draft"})
    assert "1 candidature" in response.text
    assert "Soumise ici" in response.text  # still in the queue above the list


def test_the_queue_takes_the_same_queries_for_2_and_10_applications(
    client, nadia, django_assert_num_queries
) -> None:
    for days in range(2):
        submitted_at(f"Organisation {days}", days_ago=days)
    client.force_login(nadia)
    client.get(reverse("staff_applications"))
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("staff_applications"))
    for days in range(2, 10):
        submitted_at(f"Organisation {days}", days_ago=days)
    with django_assert_num_queries(len(two)):
        client.get(reverse("staff_applications"))


# --- The file, sending back, the agenda ------------------------------------------------------


def test_the_file_shows_the_organisation_its_offers_and_its_scores(client, nadia, submitted) -> None:
    client.force_login(nadia)
    response = client.get(reverse("staff_application", args=[submitted.pk]))
    assert "Atelier de réparation" in response.text
    assert "Score global" in response.text
    assert reverse("staff_assign_reviewers", args=[submitted.assessment_id]) in response.text


def test_staff_send_an_application_back_with_a_message_that_is_emailed(
    client, nadia, submitted, django_capture_on_commit_callbacks
) -> None:
    client.force_login(nadia)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("staff_application", args=[submitted.pk]),
            {"action": "send_back", "renvoi-message": "La page des signatures des statuts manque."},
        )
    submitted.refresh_from_db()
    assert submitted.status == "draft"
    assert "La page des signatures des statuts manque." in mail.outbox[-1].body
    assert "à compléter" in mail.outbox[-1].subject


def test_sending_back_without_a_message_is_refused(client, nadia, submitted) -> None:
    client.force_login(nadia)
    response = client.post(
        reverse("staff_application", args=[submitted.pk]), {"action": "send_back", "renvoi-message": " "}
    )
    submitted.refresh_from_db()
    assert "Ce champ est obligatoire." in response.text
    assert submitted.status == "submitted"


def test_staff_put_an_application_on_the_agenda_and_the_email_names_the_session_date(
    client, nadia, submitted, colleges, django_capture_on_commit_callbacks
) -> None:
    session = make_session(nadia, opens_in=timedelta(days=1))
    client.force_login(nadia)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("staff_application", args=[submitted.pk]), {"action": "agenda", "odj-session": session.pk}
        )
    submitted.refresh_from_db()
    date = timezone.localtime(session.closes_at).strftime("%-d")
    assert submitted.status == "on_agenda"
    assert f"inscrite à l'ordre du jour de la séance du {date} " in mail.outbox[-1].body


def test_a_closed_session_cannot_be_chosen(client, nadia, submitted) -> None:
    closed = make_session(nadia)
    Session.objects.filter(pk=closed.pk).update(status=Session.Status.CLOSED)
    client.force_login(nadia)
    response = client.post(
        reverse("staff_application", args=[submitted.pk]), {"action": "agenda", "odj-session": closed.pk}
    )
    assert "Choisissez une séance qui n&#x27;est pas close." in response.text
    assert not AgendaItem.objects.exists()


# --- Colleges ---------------------------------------------------------------------------------


def colleges_data(colleges: list[College], weights: list[str], **extra) -> dict:
    # The empty row for a new college, as the browser posts it (its order field shows 0).
    data = {
        "form-TOTAL_FORMS": len(colleges) + 1,
        "form-INITIAL_FORMS": len(colleges),
        f"form-{len(colleges)}-position": 0,
    }
    for i, (college, weight) in enumerate(zip(colleges, weights, strict=True)):
        data.update({
            f"form-{i}-id": college.pk, f"form-{i}-name": college.name, f"form-{i}-name_en": "",
            f"form-{i}-weight": weight, f"form-{i}-seats": college.seats, f"form-{i}-position": i,
            f"form-{i}-code": college.code,
        })  # fmt: skip
    data.update(extra)
    return data


def test_colleges_whose_weights_make_90_are_refused_and_nothing_is_saved(client, nadia, colleges) -> None:
    client.force_login(nadia)
    response = client.post(reverse("staff_colleges"), colleges_data(colleges, ["10", "20", "20", "20", "20"]))
    assert "Les poids des collèges font 90 au lieu de 100" in response.text
    assert College.objects.get(code="consommateurs").weight == Decimal(20)


def test_staff_change_the_weights_when_they_make_100(client, nadia, colleges) -> None:
    client.force_login(nadia)
    client.post(reverse("staff_colleges"), colleges_data(colleges, ["30", "10", "20", "20", "20"]))
    assert College.objects.get(code="consommateurs").weight == Decimal(30)


def test_staff_add_a_college_in_the_empty_row(client, nadia, colleges) -> None:
    new = {
        "form-5-name": "Collectivités",
        "form-5-weight": "10",
        "form-5-seats": "3",
        "form-5-code": "collectivites",
    }
    client.force_login(nadia)
    client.post(reverse("staff_colleges"), colleges_data(colleges, ["10", "20", "20", "20", "20"], **new))
    assert College.objects.get(code="collectivites").weight == Decimal(10)


def test_a_college_with_mandates_cannot_be_deleted(client, nadia, colleges) -> None:
    make_member(colleges[0])
    data = colleges_data(colleges, ["20", "20", "20", "20", "20"], **{"form-0-DELETE": "on"})
    client.force_login(nadia)
    response = client.post(reverse("staff_colleges"), data)
    assert "a des mandats ou a siégé : il ne peut pas être supprimé" in response.text
    assert College.objects.count() == 5


# --- Mandates ---------------------------------------------------------------------------------


def mandate_data(college: College, email: str, starts: str = "2026-01-01", ends: str = "2028-12-31") -> dict:
    return {"action": "add", "email": email, "college": college.pk, "starts_on": starts, "ends_on": ends}


def test_staff_give_a_mandate_to_a_user_by_email(client, nadia, colleges, dave) -> None:
    client.force_login(nadia)
    client.post(reverse("staff_mandates"), mandate_data(colleges[2], "DAVE@example.org"))
    assert Mandate.objects.get().user == dave


def test_a_mandate_for_an_unknown_email_is_refused(client, nadia, colleges) -> None:
    client.force_login(nadia)
    response = client.post(reverse("staff_mandates"), mandate_data(colleges[0], "personne@example.org"))
    assert "Aucun compte n&#x27;utilise l&#x27;adresse personne@example.org." in response.text
    assert not Mandate.objects.exists()


def test_two_overlapping_mandates_are_refused(client, nadia, colleges, dave) -> None:
    Mandate.objects.create(user=dave, college=colleges[0], starts_on="2026-01-01", ends_on="2027-12-31")
    client.force_login(nadia)
    response = client.post(
        reverse("staff_mandates"),
        mandate_data(colleges[1], dave.email, starts="2027-06-01", ends="2029-05-31"),
    )
    assert "détient déjà un mandat du 01/01/2026 au 31/12/2027 qui chevauche ces dates" in response.text
    assert Mandate.objects.count() == 1


def test_a_mandate_ending_before_it_starts_is_refused(client, nadia, colleges, dave) -> None:
    client.force_login(nadia)
    response = client.post(
        reverse("staff_mandates"),
        mandate_data(colleges[0], dave.email, starts="2027-01-01", ends="2026-01-01"),
    )
    assert "La fin du mandat doit suivre son début." in response.text
    assert not Mandate.objects.exists()


def test_staff_end_a_mandate_today(client, nadia, colleges) -> None:
    member = make_member(colleges[0])
    client.force_login(nadia)
    client.post(reverse("staff_mandates"), {"action": "end", "mandate": member.mandates.get().pk})
    assert member.mandates.get().ends_on == timezone.localdate()


def test_ending_an_unknown_mandate_is_not_found(client, nadia) -> None:
    client.force_login(nadia)
    assert client.post(reverse("staff_mandates"), {"action": "end", "mandate": "x"}).status_code == 404


def test_current_and_past_mandates_are_listed(client, nadia, colleges) -> None:
    make_member(colleges[0], full_name="Paul Guillou")
    past = make_user(full_name="Inès Haddad")
    Mandate.objects.create(user=past, college=colleges[1], starts_on="2020-01-01", ends_on="2022-12-31")
    client.force_login(nadia)
    text = client.get(reverse("staff_mandates")).text
    assert text.index("Paul Guillou") < text.index("Mandats terminés") < text.index("Inès Haddad")


# --- Sessions ---------------------------------------------------------------------------------


def test_staff_create_a_session(client, nadia) -> None:
    client.force_login(nadia)
    response = client.post(reverse("staff_session_new"), session_data())
    session = Session.objects.get()
    assert response.url == reverse("staff_session", args=[session.pk])
    assert (session.title, session.quorum_members) == ("Séance de printemps", Decimal("0.5"))


def test_a_session_closing_before_it_opens_is_refused(client, nadia) -> None:
    data = session_data()
    data["opens_at"], data["closes_at"] = data["closes_at"], data["opens_at"]
    client.force_login(nadia)
    response = client.post(reverse("staff_session_new"), data)
    assert "La clôture du vote doit suivre son ouverture." in response.text
    assert not Session.objects.exists()


def test_a_session_needs_a_place_or_a_link(client, nadia) -> None:
    client.force_login(nadia)
    response = client.post(reverse("staff_session_new"), session_data(place=""))
    assert "Indiquez un lieu, ou le lien de la réunion en ligne." in response.text
    assert not Session.objects.exists()


def test_a_quorum_above_1_is_refused(client, nadia) -> None:
    client.force_login(nadia)
    response = client.post(reverse("staff_session_new"), session_data(quorum_members="2"))
    assert "inférieure ou égale à 1" in response.text
    assert not Session.objects.exists()


@pytest.mark.parametrize("field", ["quorum_members", "quorum_colleges"])
def test_a_quorum_below_the_minimum_of_the_settings_is_refused(client, nadia, settings, field) -> None:
    settings.ASSEMBLY_MIN_QUORUM_MEMBERS = settings.ASSEMBLY_MIN_QUORUM_COLLEGES = Decimal("0.6")
    client.force_login(nadia)
    response = client.post(reverse("staff_session_new"), session_data(**{field: "0,5"}))
    assert "Le quorum ne peut pas être inférieur à 0,6, le minimum fixé" in response.text
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    "opens_at", ["0001-01-01", "0001-01-01T00:00", "9999-12-31T23:59", "1899-12-31T10:00"]
)
def test_a_date_no_one_means_is_refused_with_a_message(client, nadia, opens_at: str) -> None:
    """Midnight of year 1 in Paris is before the first datetime UTC can hold: the check that
    the session closes after it opens raised OverflowError in the database, a server error."""
    client.force_login(nadia)
    response = client.post(reverse("staff_session_new"), session_data(opens_at=opens_at))
    assert response.status_code == 200
    assert "Saisissez une date entre 1900 et 2999." in response.text
    assert not Session.objects.exists()


def test_the_session_form_uses_datetime_local_inputs(client, nadia) -> None:
    client.force_login(nadia)
    assert 'type="datetime-local" name="opens_at"' in client.get(reverse("staff_session_new")).text


def test_staff_edit_a_draft_session(client, nadia, session) -> None:
    client.force_login(nadia)
    client.post(
        reverse("staff_session", args=[session.pk]), {**session_data(title="Séance d'été"), "action": "save"}
    )
    session.refresh_from_db()
    assert session.title == "Séance d'été"


def test_staff_put_an_application_on_the_agenda_from_the_session(client, nadia, session, submitted) -> None:
    client.force_login(nadia)
    client.post(reverse("staff_session", args=[session.pk]), {"action": "add", "application": submitted.pk})
    assert AgendaItem.objects.get().session == session


def test_staff_remove_an_item_from_a_draft_agenda(client, nadia, session, submitted) -> None:
    item = services.put_on_agenda(submitted, session, by=nadia)
    client.force_login(nadia)
    client.post(reverse("staff_session", args=[session.pk]), {"action": "remove", "item": item.pk})
    submitted.refresh_from_db()
    assert not AgendaItem.objects.exists()
    assert submitted.status == "submitted"


def test_publishing_convenes_every_member_with_a_current_mandate(
    client, nadia, session, submitted, colleges, django_capture_on_commit_callbacks
) -> None:
    members = [make_member(college) for college in colleges]
    services.put_on_agenda(submitted, session, by=nadia)
    client.force_login(nadia)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff_session", args=[session.pk]), {"action": "publish"}, follow=True
        )
    assert "5 membres sont convoqués par email" in response.text
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in members)


def test_publishing_is_refused_while_the_weights_do_not_make_100(
    client, nadia, session, submitted, colleges
) -> None:
    services.put_on_agenda(submitted, session, by=nadia)
    College.objects.filter(pk=colleges[0].pk).update(weight=Decimal(10))
    client.force_login(nadia)
    response = client.post(reverse("staff_session", args=[session.pk]), {"action": "publish"}, follow=True)
    session.refresh_from_db()
    assert "Les poids des collèges font 90 au lieu de 100." in response.text
    assert session.status == "draft"


def test_staff_close_a_session_after_its_end_and_see_the_results(client, nadia, submitted, colleges) -> None:
    members = [make_member(college) for college in colleges]
    session = make_session(nadia)
    item = services.put_on_agenda(submitted, session, by=nadia)
    services.publish_session(session, by=nadia)
    for member in members:
        services.cast_ballot(item, member, "admit")
    Session.objects.filter(pk=session.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    client.force_login(nadia)
    response = client.post(reverse("staff_session", args=[session.pk]), {"action": "close"}, follow=True)
    assert "La séance est close" in response.text
    assert "Consommateurs et usagers" in response.text  # the shares of each college
    assert "100,00 %" in response.text


def test_a_session_is_not_closed_before_its_end(client, nadia, submitted, colleges) -> None:
    [make_member(college) for college in colleges]
    session = make_session(nadia)
    services.put_on_agenda(submitted, session, by=nadia)
    services.publish_session(session, by=nadia)
    client.force_login(nadia)
    client.post(reverse("staff_session", args=[session.pk]), {"action": "close"})
    session.refresh_from_db()
    assert session.status == "published"
