"""The Atom feed of newly listed organisations, the sitemap and robots.txt."""

from datetime import date, timedelta
from xml.etree import ElementTree

from django.conf import settings
from django.urls import reverse

from solidaire import services as organisations
from tests.factory import make_user
from tests.vitrine.conftest import make_listed

FEED = reverse("vitrine:feed")
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SITE = settings.SITE_URL


def parse(xml: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(xml)  # noqa: S314 - our own response, not untrusted data


def entries(client) -> list[ElementTree.Element]:
    response = client.get(FEED)
    assert response["Content-Type"].startswith("application/atom+xml")
    return parse(response.content).findall(f"{ATOM}entry")


def entry_titles(client) -> list[str]:
    return [entry.findtext(f"{ATOM}title") for entry in entries(client)]


def locations(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return [loc.text for loc in parse(response.content).iter(f"{SITEMAP}loc")]


def page(name: str, *args: object) -> str:
    return f"{SITE}{reverse(name, args=args)}"


# --- Feed ------------------------------------------------------------------------------------


def test_the_feed_lists_the_listed_organisations_newest_listing_first(client, showcase, hidden) -> None:
    assert entry_titles(client) == [
        "Cinéma des Canuts (Lyon)",
        "Repair Café de Rennes (Rennes)",
        "Épicerie solidaire de Brest (Brest)",
    ]


def test_a_feed_entry_links_to_the_page_of_the_organisation(client, repair_cafe) -> None:
    [entry] = entries(client)

    assert entry.find(f"{ATOM}link").get("href") == page("vitrine:organisation", repair_cafe.slug)
    assert entry.findtext(f"{ATOM}id") == page("vitrine:organisation", repair_cafe.slug)
    assert entry.findtext(f"{ATOM}published").startswith("2025-03-01T00:00:00")
    assert "faire durer leurs objets" in entry.findtext(f"{ATOM}summary")


def test_the_feed_holds_the_50_latest_listings(client, rennes) -> None:
    for n in range(52):
        make_listed(f"Organisation {n:02d}", commune=rennes, since=date(2024, 1, 1) + timedelta(days=n))

    titles = entry_titles(client)

    assert len(titles) == 50
    assert (titles[0], titles[-1]) == ("Organisation 51 (Rennes)", "Organisation 02 (Rennes)")


def test_a_suspended_organisation_leaves_the_feed_at_once(client, showcase) -> None:
    assert "Repair Café de Rennes (Rennes)" in entry_titles(client)

    organisations.suspend(showcase[0], by=make_user(staff=True), reason="Contrôle en cours.")

    assert "Repair Café de Rennes (Rennes)" not in entry_titles(client)


def test_an_expired_organisation_leaves_the_feed_at_once(client, showcase) -> None:
    assert "Cinéma des Canuts (Lyon)" in entry_titles(client)

    organisations.expire(showcase[2])

    assert "Cinéma des Canuts (Lyon)" not in entry_titles(client)


def test_the_list_announces_the_feed_to_feed_readers(client, db) -> None:
    response = client.get(reverse("vitrine:list"))

    assert f'<link rel="alternate" type="application/atom+xml" href="{FEED}"' in response.text


# --- Sitemap ---------------------------------------------------------------------------------


def test_the_sitemap_indexes_its_sections(client, showcase) -> None:
    assert locations(client, "/sitemap.xml") == [
        f"{SITE}/sitemap-pages.xml",
        f"{SITE}/sitemap-organisations.xml",
        f"{SITE}/sitemap-offres.xml",
    ]


def test_the_sitemap_lists_the_public_pages_of_the_showcase(client, db) -> None:
    assert locations(client, "/sitemap-pages.xml") == [
        page("home"),
        page("vitrine:list"),
        page("vitrine:map"),
        page("vitrine:open_data"),
    ]


def test_the_sitemap_lists_every_listed_organisation_and_no_other(client, showcase, hidden) -> None:
    assert sorted(locations(client, "/sitemap-organisations.xml")) == sorted(
        page("vitrine:organisation", organisation.slug) for organisation in showcase
    )


def test_the_sitemap_lists_every_offer_of_a_listed_organisation_and_no_other(
    client, showcase, hidden
) -> None:
    expected = [page("vitrine:offer", o.slug, offer.pk) for o in showcase for offer in o.offers.all()]

    assert sorted(locations(client, "/sitemap-offres.xml")) == sorted(expected)


def test_a_suspended_organisation_leaves_the_sitemap_at_once(client, showcase) -> None:
    url = page("vitrine:organisation", showcase[0].slug)
    assert url in locations(client, "/sitemap-organisations.xml")

    organisations.suspend(showcase[0], by=make_user(staff=True), reason="Contrôle en cours.")

    assert url not in locations(client, "/sitemap-organisations.xml")


def test_the_sitemap_gives_french_addresses_whatever_the_browser_language(client, repair_cafe) -> None:
    response = client.get("/sitemap-organisations.xml", headers={"accept-language": "en"})

    assert f"<loc>{page('vitrine:organisation', repair_cafe.slug)}</loc>" in response.text
    assert "/en/" not in response.text


# --- robots.txt ------------------------------------------------------------------------------


def test_robots_txt_keeps_crawlers_out_of_the_private_areas(client, db) -> None:
    lines = client.get("/robots.txt").text.splitlines()

    for path in ["/espace/", "/gestion/", "/assemblee/", "/compte/", "/admin/"]:
        assert f"Disallow: {path}" in lines
        assert f"Disallow: /en{path}" in lines
    assert "Disallow: /organisations/exports/*?" in lines


def test_robots_txt_lets_crawlers_in_the_showcase_and_points_to_the_sitemap(client, db) -> None:
    response = client.get("/robots.txt")

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Allow: /" in response.text.splitlines()
    assert f"Sitemap: {SITE}/sitemap.xml" in response.text.splitlines()
    assert "Disallow: /organisations/\n" not in response.text
