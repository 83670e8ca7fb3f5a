"""The showcase cache: visitors are served from it without SQL, and any change it shows
drops it at once."""

import re

import pytest
from django.conf import settings
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import transaction
from django.db.models.signals import post_save
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from solidaire import services as organisations
from solidaire.models import DomainMet, Organisation, Sector, record_domains_met
from tests.factory import make_user
from tests.referentiel.factory import make_referentiel
from tests.vitrine.conftest import add_offer, complete_assessment
from tests.vitrine.test_list import list_queries
from vitrine import cache as showcase_cache

LIST = reverse("vitrine:list")
GEOJSON = reverse("vitrine:geojson")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def page_of(organisation: Organisation) -> str:
    return reverse("vitrine:organisation", args=[organisation.slug])


def without_token(text: str) -> str:
    return TOKEN.sub("", text)


def staff() -> object:
    return make_user(staff=True)


@pytest.mark.parametrize(
    "url",
    [
        LIST,
        f"{LIST}?departement=35&q=r%C3%A9paration",
        reverse("vitrine:map"),
        GEOJSON,
        "/organisations/repair-cafe-de-rennes/",
        reverse("vitrine:open_data"),
        reverse("vitrine:feed"),
        "/sitemap.xml",
        "/sitemap-organisations.xml",
        "/robots.txt",
        "/en/organisations/",
    ],
)
def test_a_second_visit_is_served_from_the_cache_without_sql(
    client, django_assert_num_queries, showcase, url: str
) -> None:
    first = client.get(url)

    with django_assert_num_queries(0):
        second = client.get(url)

    assert second.status_code == 200
    assert without_token(second.content.decode()) == without_token(first.content.decode())


@pytest.mark.parametrize("url", [reverse("vitrine:export_json"), reverse("vitrine:export_csv")])
def test_a_second_download_is_streamed_from_the_cache_without_sql(
    client, django_assert_num_queries, showcase, url: str
) -> None:
    first = b"".join(client.get(url).streaming_content)

    with django_assert_num_queries(0):
        second = client.get(url)
        body = b"".join(second.streaming_content)

    assert second.streaming
    assert body == first


def test_a_cached_page_shows_a_new_name_at_once(client, repair_cafe) -> None:
    assert "Repair Café de Rennes" in client.get(page_of(repair_cafe)).text
    assert "Repair Café de Rennes" in client.get(LIST).text

    repair_cafe.usual_name = "Le Repair des Lices"
    repair_cafe.save()

    assert "Le Repair des Lices" in client.get(page_of(repair_cafe)).text
    assert "Le Repair des Lices" in client.get(LIST).text


def test_a_suspended_organisation_disappears_at_once_from_every_cached_page(client, showcase) -> None:
    repair_cafe = showcase[0]
    for url in [page_of(repair_cafe), LIST, GEOJSON]:
        assert "Repair Café de Rennes" in client.get(url).content.decode()

    organisations.suspend(repair_cafe, by=staff(), reason="Contrôle en cours.")

    assert client.get(page_of(repair_cafe)).status_code == 404
    assert "Repair Café de Rennes" not in client.get(LIST).text
    assert "Repair Café de Rennes" not in client.get(GEOJSON).content.decode()


def test_an_expired_organisation_disappears_at_once_from_every_cached_page(client, showcase) -> None:
    cinema = showcase[2]
    for url in [page_of(cinema), LIST, reverse("vitrine:map"), GEOJSON]:
        assert client.get(url).status_code == 200

    organisations.expire(cinema)

    assert client.get(page_of(cinema)).status_code == 404
    assert "Cinéma des Canuts" not in client.get(LIST).text
    assert "2 organisations" in client.get(reverse("vitrine:map")).text
    assert "Cinéma des Canuts" not in client.get(GEOJSON).content.decode()


def test_a_reinstated_organisation_comes_back_at_once(client, repair_cafe) -> None:
    nadia = staff()
    organisations.suspend(repair_cafe, by=nadia, reason="Contrôle en cours.")
    assert client.get(page_of(repair_cafe)).status_code == 404

    organisations.reinstate(repair_cafe, by=nadia)

    assert client.get(page_of(repair_cafe)).status_code == 200


def test_status_changes_send_post_save_with_the_fields_they_change(repair_cafe) -> None:
    saved = []

    def receiver(sender, instance, update_fields, **kwargs) -> None:
        saved.append(set(update_fields or ()))

    post_save.connect(receiver, sender=Organisation, dispatch_uid="test_status_changes")
    try:
        organisations.suspend(repair_cafe, by=staff(), reason="Contrôle en cours.")
    finally:
        post_save.disconnect(dispatch_uid="test_status_changes", sender=Organisation)

    assert {"status", "status_reason", "updated_at"} in saved


def test_a_new_offer_shows_at_once_and_a_deleted_one_goes(client, repair_cafe) -> None:
    client.get(page_of(repair_cafe))

    offer = add_offer(repair_cafe, "Café-réparation du mardi")
    assert "Café-réparation du mardi" in client.get(page_of(repair_cafe)).text

    offer.delete()
    assert "Café-réparation du mardi" not in client.get(page_of(repair_cafe)).text


def test_a_renamed_sector_shows_at_once(client, repair_cafe) -> None:
    client.get(LIST)
    sector = Sector.objects.get(code="economie-circulaire")

    sector.name = "Économie circulaire et réemploi"
    sector.save()

    assert "Économie circulaire et réemploi" in client.get(LIST).text


def test_the_domains_met_by_a_completed_assessment_show_at_once(client, repair_cafe) -> None:
    make_referentiel()
    assert "Repair Café de Rennes" not in client.get(LIST, {"domaine": "gouvernance"}).text

    complete_assessment(repair_cafe)

    assert "Repair Café de Rennes" in client.get(LIST, {"domaine": "gouvernance"}).text


def test_the_pages_of_a_selection_share_its_filter_form_and_its_count(
    client, django_assert_num_queries, showcase
) -> None:
    client.get(LIST, {"region": "53"})

    # The map's filter form and count are the list's, from the cache; so are those of
    # another page of the list, which only reads the ids of its rows, the rows, their offers.
    with django_assert_num_queries(0):
        response = client.get(reverse("vitrine:map"), {"region": "53"})
    with django_assert_num_queries(3):
        page_2 = client.get(LIST, {"region": "53", "page": "2"})

    assert '<option value="35">35 – Département 35 (1)</option>' in response.text
    assert "2 organisations</h2>" in response.text
    assert "2 organisations</h2>" in page_2.text


def test_a_new_release_never_reads_what_an_older_one_stored(
    client, django_assert_num_queries, monkeypatch, showcase
) -> None:
    """What is stored changes shape with the code (a field of the filter form): a release
    whose FORMAT moved on computes its pages and forms again rather than read old pickles."""
    monkeypatch.setattr(showcase_cache, "FORMAT", showcase_cache.FORMAT - 1)
    client.get(LIST, {"region": "53"})
    monkeypatch.setattr(showcase_cache, "FORMAT", showcase_cache.FORMAT + 1)

    with django_assert_num_queries(list_queries({"region": "53"})):  # the page and its form, again
        response = client.get(LIST, {"region": "53"})
    assert "2 organisations</h2>" in response.text
    with django_assert_num_queries(0):
        client.get(LIST, {"region": "53"})


def test_the_counts_and_the_filter_form_follow_a_change_at_once(alice, showcase) -> None:
    member = Client()
    member.force_login(alice)  # never served a cached page: this is the cached form alone
    page = member.get(LIST, {"region": "53"}).text
    assert "Bretagne (2)" in page
    assert "2 organisations</h2>" in page

    organisations.suspend(showcase[0], by=staff(), reason="Contrôle en cours.")

    page = member.get(LIST, {"region": "53"}).text
    assert "Bretagne (1)" in page
    assert "1 organisation</h2>" in page


def test_a_change_moves_the_generation_on_again_after_its_commit(
    client, django_capture_on_commit_callbacks, repair_cafe
) -> None:
    client.get(LIST)
    before = showcase_cache.generation()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        organisations.suspend(repair_cafe, by=staff(), reason="Contrôle en cours.")

    assert showcase_cache._bump_after_commit in callbacks
    # Once at the change (for this transaction's own reads), once after the commit (for a
    # page cached meanwhile by another request from the data before the commit).
    assert showcase_cache.generation() >= before + 2


def test_a_bulk_delete_moves_the_generation_on_once_not_once_per_row(
    client, django_capture_on_commit_callbacks, showcase
) -> None:
    for organisation in showcase:
        record_domains_met(organisation.pk, ["gouvernance", "environnement"])
    client.get(LIST)
    before = showcase_cache.generation()

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        DomainMet.objects.all().delete()

    assert showcase_cache.generation() == before + 1
    assert callbacks.count(showcase_cache._bump_after_commit) == 1


def test_the_callbacks_waiting_for_the_commit_are_found_in_django_private_list(db) -> None:
    """on_commit_pending reads Django's private `connection.run_on_commit`: this fails if a
    new Django changes its structure."""

    def callback() -> None:
        pass

    with transaction.atomic():
        assert not showcase_cache.on_commit_pending(callback)
        transaction.on_commit(callback)
        assert showcase_cache.on_commit_pending(callback)
        with transaction.atomic():  # a savepoint registers its own
            assert not showcase_cache.on_commit_pending(callback)


def test_signed_in_users_are_never_served_from_the_cache_nor_stored_in_it(client, alice, showcase) -> None:
    assert "Se déconnecter" not in client.get(LIST).text  # an anonymous visit, now cached
    member = Client()
    member.force_login(alice)

    assert "Se déconnecter" in member.get(LIST).text
    assert "Se déconnecter" not in Client().get(LIST).text


def _message_cookie(text: str) -> str:
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.SUCCESS, text)
    response = HttpResponse()
    storage.update(response)
    return response.cookies[storage.cookie_name].value


def test_a_visitor_with_a_message_waiting_sees_it_and_the_page_is_not_cached(client, showcase) -> None:
    client.get(LIST)  # cached
    client.cookies[CookieStorage.cookie_name] = _message_cookie("Vous êtes déconnecté.")

    assert "Vous êtes déconnecté." in client.get(LIST).text
    assert "Vous êtes déconnecté." not in client.get(LIST).text


def test_the_language_form_of_a_cached_page_works_for_another_visitor(showcase) -> None:
    Client().get(LIST)  # cached with the first visitor's token
    visitor = Client(enforce_csrf_checks=True)

    page = visitor.get(LIST)
    [token] = TOKEN.findall(page.text)
    response = visitor.post(
        reverse("set_language"), {"language": "en", "next": LIST, "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302


def test_the_cache_can_be_turned_off(client, django_assert_max_num_queries, settings, showcase) -> None:
    settings.VITRINE_CACHE_TIMEOUT = 0
    client.get(GEOJSON)

    with django_assert_max_num_queries(1) as captured:
        client.get(GEOJSON)

    assert len(captured) == 1


@pytest.mark.redis
def test_the_pages_are_shared_through_redis(client, django_assert_num_queries, showcase) -> None:
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    client.get(LIST)

    with django_assert_num_queries(0):
        response = Client().get(LIST)

    assert "Repair Café de Rennes" in response.text
