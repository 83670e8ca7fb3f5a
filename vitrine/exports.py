"""Open data of the showcase: the listed organisations of a selection and their offers, in
CSV, JSON, GeoJSON and the element format of GoGoCarto.

Every export is a generator of byte chunks for a StreamingHttpResponse: rows come from the
database `CHUNK_ROWS` at a time as plain values (`values()`, no model instances), and leave
as soon as `BUFFER_BYTES` of them are written, so that memory stays flat whatever the number
of rows. The offers are read by a second query, in the order of their organisation's id,
and merged with the organisations as both streams go: two queries per export, whatever the
rows (one for the CSV of the offers).

The data are French whatever the language of the address: field names, sector and category
names, and page addresses without a language prefix. The open-data page documents every
field from the lists below (`ORGANISATION_FIELDS`, `OFFER_FIELDS`).
"""

import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from solidaire.lib.csv_export import CsvWriter
from solidaire.models import Offer, Organisation
from vitrine.jsonld import absolute
from vitrine.paths import path_maker

LICENCE = "Licence Ouverte / Open Licence version 2.0"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
PRODUCER = "Solidaire"
CHUNK_ROWS = 1000
BUFFER_BYTES = 64 * 1024
KINDS = {Offer.Kind.PRODUCT: "produit", Offer.Kind.SERVICE: "service"}


@dataclass(frozen=True)
class Field:
    name: str
    description: Promise
    example: str = ""


ORGANISATION_FIELDS = [
    Field("id", _("Identifiant stable de l'organisation sur la plateforme (nombre entier)."), "1234"),
    Field("nom", _("Nom connu du public : nom d'usage, sinon raison sociale."), "Repair Café"),
    Field("raison_sociale", _("Raison sociale."), "Association Repair Café de Rennes"),
    Field("siret", _("Numéro SIRET de l'établissement (14 chiffres)."), "12345678900012"),
    Field("forme_juridique", _("Forme juridique."), "Association loi 1901"),
    Field("filiere", _("Filière de l'économie sociale et solidaire."), "Réemploi et économie circulaire"),
    Field("description", _("Présentation de l'organisation, en texte brut."), ""),
    Field("adresse", _("Numéro et voie."), "12 rue de la Paix"),
    Field("code_postal", _("Code postal de la commune."), "35000"),
    Field("commune", _("Nom de la commune."), "Rennes"),
    Field("code_insee", _("Code INSEE (COG) de la commune."), "35238"),
    Field("departement", _("Code du département."), "35"),
    Field("region", _("Nom de la région."), "Bretagne"),
    Field("latitude", _("Latitude WGS 84, en degrés décimaux ; vide si inconnue."), "48.1173"),
    Field("longitude", _("Longitude WGS 84, en degrés décimaux ; vide si inconnue."), "-1.6778"),
    Field(
        "localisation",
        _("Précision de la position : « adresse » (géocodée) ou « commune » (centre de la commune)."),
        "adresse",
    ),
    Field("site_web", _("Site web."), "https://repair.example"),
    Field("email", _("Adresse email de contact publiée par l'organisation."), "contact@repair.example"),
    Field("telephone", _("Téléphone publié par l'organisation."), "02 99 00 00 00"),
    Field("logo", _("Adresse du logo ; vide s'il n'y en a pas."), ""),
    Field("referencee_depuis", _("Date du référencement par l'assemblée (AAAA-MM-JJ)."), "2025-03-01"),
    Field("referencee_jusqu_au", _("Date de fin du référencement (AAAA-MM-JJ)."), "2028-03-01"),
    Field("mise_a_jour", _("Date et heure de la dernière modification de la fiche (ISO 8601)."), ""),
    Field("url", _("Adresse de la page de l'organisation sur la plateforme."), ""),
]
# Only in the CSV of the organisations: the JSON formats nest the offers themselves.
CSV_OFFER_SUMMARY = [
    Field("nombre_offres", _("Nombre de produits et services publiés."), "2"),
    Field("categories_offres", _("Catégories de ces offres, séparées par « | »."), "Réparation | Formation"),
]
OFFER_FIELDS = [
    Field("id", _("Identifiant stable de l'offre (nombre entier)."), "5678"),
    Field("nom", _("Nom du produit ou du service."), "Ateliers du samedi"),
    Field("type", _("« produit » ou « service »."), "service"),
    Field("categorie", _("Catégorie de l'offre."), "Réparation"),
    Field("description", _("Description, en texte brut."), ""),
    Field("disponibilite", _("Où l'offre est disponible."), "Rennes et alentours"),
    Field("photo", _("Adresse de la photo ; vide s'il n'y en a pas."), ""),
    Field("mise_a_jour", _("Date et heure de la dernière modification de l'offre (ISO 8601)."), ""),
    Field("url", _("Adresse de la page de l'offre sur la plateforme."), ""),
]
# Only in the CSV of the offers: the organisation each row belongs to.
CSV_OFFER_ORGANISATION = [
    Field("organisation_id", _("Identifiant de l'organisation (colonne « id » de l'autre fichier)."), "1234"),
    Field("organisation_nom", _("Nom de l'organisation."), "Repair Café"),
    Field("organisation_url", _("Adresse de la page de l'organisation."), ""),
]

ORGANISATION_VALUES = [
    "pk",
    "slug",
    "legal_name",
    "usual_name",
    "siret",
    "legal_form__name",
    "sector__name",
    "description",
    "address",
    "commune_id",
    "commune__name",
    "commune__postcodes",
    "commune__departement_id",
    "commune__departement__region__name",
    "latitude",
    "lat",
    "lng",
    "website",
    "contact_email",
    "contact_phone",
    "logo",
    "listed_since",
    "listed_until",
    "updated_at",
]
OFFER_VALUES = [
    "pk",
    "organisation_id",
    "name",
    "kind",
    "category__name",
    "description",
    "availability",
    "photo",
    "updated_at",
]


def _url_template(name: str, *kinds: type) -> Callable[..., str]:
    """Absolute addresses, in French: the addresses of the data do not depend on the
    language of the request."""
    with translation.override(settings.LANGUAGE_CODE):
        path = path_maker(name, *kinds)
    return lambda *values: absolute(path(*values))


def _media(name: str) -> str:
    return absolute(default_storage.url(name)) if name else ""


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class Export:
    """The organisations of a selection and their offers, read as they are written. Built
    in the view (addresses computed, no query yet); the queries run when the response is
    sent."""

    def __init__(self, selection: QuerySet[Organisation]) -> None:
        self.selection = selection.order_by("pk")
        self.organisation_url = _url_template("vitrine:organisation", str)
        self.offer_url = _url_template("vitrine:offer", str, int)
        self.source = _url_template("vitrine:open_data")()
        self.generated = timezone.now().isoformat(timespec="seconds")

    # --- Rows ---------------------------------------------------------------------------

    def _organisation_rows(self) -> Iterator[dict]:
        rows = self.selection.annotate(
            lat=Coalesce("latitude", "commune__latitude"), lng=Coalesce("longitude", "commune__longitude")
        ).values(*ORGANISATION_VALUES)
        return rows.iterator(chunk_size=CHUNK_ROWS)

    def _offer_rows(self, *extra: str) -> Iterator[dict]:
        offers = Offer.objects.filter(organisation__in=self.selection.order_by().values("pk"))
        rows = offers.order_by("organisation_id", "name", "pk").values(*OFFER_VALUES, *extra)
        return rows.iterator(chunk_size=CHUNK_ROWS)

    def organisations(self) -> Iterator[tuple[dict, list[dict]]]:
        """(organisation, its offers), both as the records the formats write. A merge of
        two streams ordered by organisation id: two queries, memory for one organisation."""
        offers = self._offer_rows()
        pending = next(offers, None)
        for row in self._organisation_rows():
            pk = row["pk"]
            # Offers of an organisation that left the selection between the two queries.
            while pending is not None and pending["organisation_id"] < pk:
                pending = next(offers, None)
            own = []
            while pending is not None and pending["organisation_id"] == pk:
                own.append(self.offer(pending, row["slug"]))
                pending = next(offers, None)
            yield self.organisation(row), own

    def organisation(self, row: dict) -> dict:
        lat, lng = row["lat"], row["lng"]
        postcodes = row["commune__postcodes"] or []
        located = ""
        if lat is not None and lng is not None:
            located = "adresse" if row["latitude"] is not None else "commune"
        return {
            "id": row["pk"],
            "nom": row["usual_name"] or row["legal_name"],
            "raison_sociale": row["legal_name"],
            "siret": row["siret"],
            "forme_juridique": row["legal_form__name"],
            "filiere": row["sector__name"],
            "description": row["description"],
            "adresse": row["address"],
            "code_postal": postcodes[0] if postcodes else "",
            "commune": row["commune__name"],
            "code_insee": row["commune_id"],
            "departement": row["commune__departement_id"],
            "region": row["commune__departement__region__name"],
            "latitude": round(lat, 6) if located else None,
            "longitude": round(lng, 6) if located else None,
            "localisation": located,
            "site_web": row["website"],
            "email": row["contact_email"],
            "telephone": row["contact_phone"],
            "logo": _media(row["logo"]),
            "referencee_depuis": _iso(row["listed_since"]),
            "referencee_jusqu_au": _iso(row["listed_until"]),
            "mise_a_jour": _iso(row["updated_at"]),
            "url": self.organisation_url(row["slug"]),
        }

    def offer(self, row: dict, slug: str) -> dict:
        return {
            "id": row["pk"],
            "nom": row["name"],
            "type": KINDS.get(row["kind"], row["kind"]),
            "categorie": row["category__name"],
            "description": row["description"],
            "disponibilite": row["availability"],
            "photo": _media(row["photo"]),
            "mise_a_jour": _iso(row["updated_at"]),
            "url": self.offer_url(slug, row["pk"]),
        }

    # --- Formats ------------------------------------------------------------------------

    def metadata(self) -> dict:
        return {
            "producteur": PRODUCER,
            "licence": {"nom": LICENCE, "url": LICENCE_URL},
            "source": self.source,
            "genere_le": self.generated,
        }

    def csv_organisations(self) -> Iterator[bytes]:
        columns = [f.name for f in ORGANISATION_FIELDS + CSV_OFFER_SUMMARY]
        rows = (
            {
                **organisation,
                "nombre_offres": len(offers),
                "categories_offres": " | ".join(dict.fromkeys(offer["categorie"] for offer in offers)),
            }
            for organisation, offers in self.organisations()
        )
        return _csv(columns, rows)

    def csv_offers(self) -> Iterator[bytes]:
        columns = [f.name for f in CSV_OFFER_ORGANISATION + OFFER_FIELDS]
        extra = ("organisation__slug", "organisation__legal_name", "organisation__usual_name")
        rows = (
            {
                "organisation_id": row["organisation_id"],
                "organisation_nom": row["organisation__usual_name"] or row["organisation__legal_name"],
                "organisation_url": self.organisation_url(row["organisation__slug"]),
                **self.offer(row, row["organisation__slug"]),
            }
            for row in self._offer_rows(*extra)
        )
        return _csv(columns, rows)

    def json(self) -> Iterator[bytes]:
        records = ({**organisation, "offres": offers} for organisation, offers in self.organisations())
        return _json_document(self.metadata(), "organisations", records)

    def geojson(self) -> Iterator[bytes]:
        features = (self.feature(organisation, offers) for organisation, offers in self.organisations())
        return _json_document({"type": "FeatureCollection", **self.metadata()}, "features", features)

    def feature(self, organisation: dict, offers: list[dict]) -> dict:
        properties = {k: v for k, v in organisation.items() if k not in ("latitude", "longitude")}
        lat, lng = organisation["latitude"], organisation["longitude"]
        # RFC 7946: an organisation whose position is unknown is a feature without geometry.
        geometry = None if lat is None else {"type": "Point", "coordinates": [lng, lat]}
        return {
            "type": "Feature",
            "id": organisation["id"],
            "geometry": geometry,
            "properties": {**properties, "offres": offers},
        }

    def gogocarto(self) -> Iterator[bytes]:
        elements = (self.element(organisation, offers) for organisation, offers in self.organisations())
        return _json_document(self.metadata(), "data", elements)

    def element(self, organisation: dict, offers: list[dict]) -> dict:
        """An element as GoGoCarto's JSON import reads it (ElementImportService::importJson):
        `geo` and `address` are flattened into its own fields, `categories` are matched by
        name with the categories of the map (created when missing); any other key is kept
        as a custom field of the element."""
        element: dict[str, Any] = {
            "id": str(organisation["id"]),
            "name": organisation["nom"],
            "address": {
                "streetAddress": organisation["adresse"],
                "postalCode": organisation["code_postal"],
                "addressLocality": organisation["commune"],
                "addressCountry": "FR",
            },
            "categories": list(dict.fromkeys([organisation["filiere"], *(o["categorie"] for o in offers)])),
            "description": organisation["description"],
            "website": organisation["site_web"],
            "email": organisation["email"],
            "telephone": organisation["telephone"],
            "url": organisation["url"],
            "offers": [{k: o[k] for k in ("nom", "type", "categorie", "description", "url")} for o in offers],
        }
        if organisation["latitude"] is not None:
            element["geo"] = {"latitude": organisation["latitude"], "longitude": organisation["longitude"]}
        if organisation["logo"]:
            element["image"] = organisation["logo"]
        return element


# --- Writers ---------------------------------------------------------------------------


def _csv(columns: list[str], rows: Iterable[dict]) -> Iterator[bytes]:
    """UTF-8, comma-separated, a header line, CRLF line ends (RFC 4180)."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(column) is None else row[column] for column in columns])
        if buffer.tell() >= BUFFER_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _json_document(document: dict, list_key: str, items: Iterable[dict]) -> Iterator[bytes]:
    """`document` as a JSON object whose last key, `list_key`, holds `items` as they come."""
    pieces = [_dumps(document)[:-1], f',"{list_key}":[']
    size, separator = 0, ""
    for item in items:
        text = separator + _dumps(item)
        separator = ","
        pieces.append(text)
        size += len(text)
        if size >= BUFFER_BYTES:
            yield "".join(pieces).encode()
            pieces, size = [], 0
    pieces.append("]}")
    yield "".join(pieces).encode()


# name in the URL: (method of Export, content type, file name)
FORMATS: dict[str, tuple[str, str, str]] = {
    "csv": ("csv_organisations", "text/csv; charset=utf-8", "organisations.csv"),
    "offres-csv": ("csv_offers", "text/csv; charset=utf-8", "offres.csv"),
    "json": ("json", "application/json", "organisations.json"),
    "geojson": ("geojson", "application/geo+json", "organisations.geojson"),
    "gogocarto": ("gogocarto", "application/json", "gogocarto.json"),
}
