"""Demo data of the core app: territories, accounts, organisations and their offers.

Everything is keyed on a stable identifier (email, SIRET), so a second run
finds it and changes nothing.
"""

import random
from datetime import date, timedelta
from functools import cache
from typing import Any, TextIO

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.text import slugify

from solidaire import services
from solidaire.lib.siret import make_siret
from solidaire.models import (
    STAFF_GROUP,
    Commune,
    LegalForm,
    Membership,
    Offer,
    OfferCategory,
    Organisation,
    Sector,
    User,
)
from solidaire.territories import load_territories

DEMO_PASSWORD = "solidaire-demo-2026"  # noqa: S105 - demo accounts, printed on purpose
# Shown by the command so that a developer can add it to an authenticator app.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - demo accounts, in the README
DEMO_REGION = "53"  # Bretagne

# (commune, département) — spread over the four départements of the region.
COMMUNES = [
    ("Rennes", "35"),
    ("Saint-Malo", "35"),
    ("Fougères", "35"),
    ("Vitré", "35"),
    ("Redon", "35"),
    ("Montfort-sur-Meu", "35"),
    ("Brest", "29"),
    ("Quimper", "29"),
    ("Morlaix", "29"),
    ("Concarneau", "29"),
    ("Douarnenez", "29"),
    ("Landerneau", "29"),
    ("Quimperlé", "29"),
    ("Carhaix-Plouguer", "29"),
    ("Lorient", "56"),
    ("Vannes", "56"),
    ("Pontivy", "56"),
    ("Auray", "56"),
    ("Ploërmel", "56"),
    ("Hennebont", "56"),
    ("Saint-Brieuc", "22"),
    ("Lannion", "22"),
    ("Dinan", "22"),
    ("Guingamp", "22"),
    ("Paimpol", "22"),
    ("Loudéac", "22"),
]

# sector code -> (name patterns, description, offers (kind, category, name, description))
SECTORS = {
    "economie-circulaire": (
        [
            "Ressourcerie {place}",
            "Repair Café {place}",
            "La Recyclerie du Pays de {place}",
            "Atelier Vélo {place}",
        ],
        "Collecte, répare et revend des objets du quotidien pour leur donner une seconde vie, "
        "et forme les habitants à la réparation lors d'ateliers ouverts.",
        [
            (
                "service",
                "reparation",
                "Ateliers de réparation",
                "Réparez vos appareils avec nos bénévoles, chaque samedi.",
            ),
            (
                "product",
                "seconde-main",
                "Électroménager reconditionné",
                "Appareils révisés et garantis six mois.",
            ),
            (
                "service",
                "formation",
                "Initiation à la réparation",
                "Des sessions pour apprendre à diagnostiquer une panne.",
            ),
        ],
    ),
    "alimentation": (
        [
            "Épicerie solidaire de {place}",
            "Les Jardins de {place}",
            "Coopérative paysanne de {place}",
            "Le Panier de {place}",
        ],
        "Produit et distribue une alimentation locale et de saison, accessible à tous grâce à des prix "
        "adaptés aux revenus, en lien avec les paysans du territoire.",
        [
            (
                "product",
                "alimentation",
                "Paniers de légumes bio",
                "Un panier hebdomadaire de légumes cultivés à moins de 30 km.",
            ),
            (
                "service",
                "alimentation",
                "Épicerie à prix solidaires",
                "Tarifs adaptés selon le quotient familial.",
            ),
            ("service", "formation", "Ateliers cuisine anti-gaspillage", "Cuisiner les invendus, ensemble."),
        ],
    ),
    "habitat-energie": (
        ["Énergies citoyennes {place}", "Les Toits Solaires de {place}", "Écohabitat {place}"],
        "Développe des projets d'énergie renouvelable portés par les habitants et accompagne la rénovation "
        "thermique des logements des ménages modestes.",
        [
            (
                "service",
                "energie",
                "Centrale solaire citoyenne",
                "Investissez dans la production d'électricité locale.",
            ),
            (
                "service",
                "batiment",
                "Accompagnement à la rénovation",
                "Diagnostic et suivi de chantier pour les ménages modestes.",
            ),
        ],
    ),
    "mobilite": (
        ["Mobilité solidaire {place}", "Garage solidaire de {place}", "Vélo-École {place}"],
        "Facilite la mobilité des personnes qui en sont privées : location de véhicules à petit prix, "
        "garage solidaire et apprentissage du vélo.",
        [
            (
                "service",
                "transport",
                "Location de voitures à prix solidaire",
                "Pour se rendre à un emploi ou une formation.",
            ),
            ("service", "reparation", "Garage solidaire", "Entretien et réparation à coût réduit."),
        ],
    ),
    "culture": (
        ["Tiers-lieu culturel de {place}", "La Fabrique de {place}", "Cinéma associatif de {place}"],
        "Fait vivre un lieu culturel ouvert à tous, géré collectivement, où se croisent artistes, "
        "associations et habitants.",
        [
            (
                "service",
                "culture",
                "Programmation de spectacles",
                "Concerts, théâtre et projections à prix libre.",
            ),
            ("service", "hebergement", "Café associatif", "Un lieu de rencontre ouvert du mardi au samedi."),
        ],
    ),
    "insertion": (
        ["Chantier d'insertion {place}", "Tremplin Emploi {place}", "Les Ateliers de l'Avenir {place}"],
        "Accompagne vers l'emploi des personnes qui en sont éloignées, par un travail salarié encadré "
        "et un accompagnement socio-professionnel.",
        [
            (
                "service",
                "batiment",
                "Entretien d'espaces verts",
                "Pour les collectivités et les entreprises du territoire.",
            ),
            ("product", "textile", "Vêtements de seconde main", "Collecte, tri et vente de textiles."),
            (
                "service",
                "services-entreprises",
                "Mise à disposition de personnel",
                "Missions ponctuelles encadrées.",
            ),
        ],
    ),
    "services-personne": (
        ["Aide à domicile {place}", "Les Services du Pays de {place}"],
        "Propose des services d'aide à domicile de qualité, avec des emplois stables et des salariés "
        "associés aux décisions.",
        [
            (
                "service",
                "services-personne",
                "Aide à domicile",
                "Accompagnement des personnes âgées et en situation de handicap.",
            ),
            ("service", "services-personne", "Garde d'enfants", "Garde à domicile, horaires atypiques."),
        ],
    ),
    "numerique": (
        ["Numérique solidaire {place}", "Les Ordis de {place}"],
        "Reconditionne du matériel informatique et accompagne les habitants éloignés du numérique.",
        [
            ("product", "numerique", "Ordinateurs reconditionnés", "Garantis un an, avec logiciels libres."),
            (
                "service",
                "formation",
                "Ateliers d'inclusion numérique",
                "Démarches en ligne, messagerie, sécurité.",
            ),
        ],
    ),
    "finance-solidaire": (
        ["Cigales de {place}", "Épargne solidaire {place}"],
        "Mobilise l'épargne des habitants pour financer les projets de l'économie sociale et solidaire "
        "du territoire.",
        [("service", "finance", "Prêts d'honneur", "Pour les créateurs d'activité à utilité sociale.")],
    ),
    "education": (
        ["Université populaire de {place}", "Les Savoirs Partagés {place}"],
        "Organise des formations ouvertes à tous et un échange de savoirs entre habitants.",
        [
            (
                "service",
                "formation",
                "Cours du soir",
                "Langues, histoire locale, sciences, sans condition de diplôme.",
            )
        ],
    ),
    "tourisme": (
        ["Auberge de jeunesse de {place}", "Tourisme social {place}"],
        "Accueille des groupes et des familles pour des séjours accessibles, respectueux du territoire.",
        [
            (
                "service",
                "hebergement",
                "Séjours de groupe",
                "Hébergement et restauration locale pour les groupes.",
            )
        ],
    ),
    "commerce-equitable": (
        ["Artisans du Monde {place}", "Boutique équitable de {place}"],
        "Vend des produits du commerce équitable et sensibilise à une consommation responsable.",
        [("product", "alimentation", "Café et chocolat équitables", "Issus de coopératives de producteurs.")],
    ),
    "sante-social": (
        ["Maison de santé {place}", "Solidarités {place}"],
        "Porte des actions de santé et d'accompagnement social au plus près des habitants.",
        [
            (
                "service",
                "conseil",
                "Permanences d'accès aux droits",
                "Accompagnement dans les démarches sociales.",
            )
        ],
    ),
}

# legal form for each sector, in turn
LEGAL_FORMS = {
    "economie-circulaire": ["association", "scic", "entreprise-insertion", "association"],
    "alimentation": ["association", "scic", "cooperative", "association"],
    "habitat-energie": ["scic", "scop", "cooperative"],
    "mobilite": ["association", "entreprise-insertion", "association"],
    "culture": ["scic", "association", "association"],
    "insertion": ["entreprise-insertion", "association", "entreprise-adaptee"],
    "services-personne": ["scop", "association"],
    "numerique": ["esus", "entreprise-adaptee"],
    "finance-solidaire": ["association", "cooperative"],
    "education": ["association", "fondation"],
    "tourisme": ["association", "esus"],
    "commerce-equitable": ["association", "scop"],
    "sante-social": ["mutuelle", "fondation"],
}

STREET_KINDS = ["rue", "avenue", "boulevard", "chemin", "place"]
STREET_NAMES = [
    "de la Liberté",
    "Jean Jaurès",
    "des Écoles",
    "du Port",
    "de Brest",
    "Victor Hugo",
    "de la Gare",
]
FIRST_NAMES = [
    "Léa",
    "Karim",
    "Nadia",
    "Paul",
    "Sophie",
    "Yann",
    "Maëlle",
    "Erwan",
    "Fatou",
    "Hugo",
    "Inès",
    "Gwenaël",
    "Chloé",
    "Mehdi",
    "Anaïs",
    "Loïc",
    "Awa",
    "Tristan",
    "Nolwenn",
    "Samir",
]
LAST_NAMES = [
    "Le Gall",
    "Benali",
    "Morvan",
    "Guillou",
    "Diallo",
    "Le Roux",
    "Tanguy",
    "Martin",
    "Nguyen",
    "Kerbrat",
    "Moreau",
    "Le Bihan",
    "Haddad",
    "Riou",
    "Cadiou",
    "Bernard",
    "Traoré",
    "Jaouen",
]

# Status of the n-th organisation: most are listed, the others show each state.
OTHER_STATUSES = {
    3: Organisation.Status.APPLICANT,
    11: Organisation.Status.APPLICANT,
    19: Organisation.Status.APPLICANT,
    27: Organisation.Status.APPLICANT,
    7: Organisation.Status.DRAFT,
    23: Organisation.Status.DRAFT,
    41: Organisation.Status.DRAFT,
    15: Organisation.Status.PROGRESS_PLAN,
    31: Organisation.Status.PROGRESS_PLAN,
    47: Organisation.Status.PROGRESS_PLAN,
    35: Organisation.Status.REFUSED,
    55: Organisation.Status.REFUSED,
    39: Organisation.Status.SUSPENDED,
    51: Organisation.Status.EXPIRED,
}


def populate(out: TextIO) -> None:
    counts = load_territories(only_region=None, stdout=None)
    out.write(f"  territoires : {counts}\n")
    staff = _accounts(out)
    _organisations(out, staff)


@cache
def _demo_password_hash() -> str:
    # Hashing is slow by design: hash the shared demo password once, not per account.
    return make_password(DEMO_PASSWORD)


def demo_user(email: str, full_name: str, **extra: Any) -> tuple[User, bool]:
    defaults = {"full_name": full_name, "password": _demo_password_hash(), **extra}
    user, created = User.objects.get_or_create(email=email, defaults=defaults)
    if created:
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user, created


def _accounts(out: TextIO) -> User:
    admin, _created = demo_user("admin@solidaire.example", "Administration", is_staff=True, is_superuser=True)
    nadia, _created = demo_user("nadia@region.example", "Nadia Benali")
    nadia.groups.add(Group.objects.get(name=STAFF_GROUP))
    # The admin, like the Region's staff, signs in with a second factor.
    for user in (admin, nadia):
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
    out.write(
        f"  comptes : mot de passe « {DEMO_PASSWORD} » ; agent régional nadia@region.example "
        f"et admin Django admin@solidaire.example (double authentification, secret TOTP {DEMO_TOTP_SECRET})\n"
    )
    return nadia


def _organisation_specs() -> list[dict]:
    """64 organisations, the same on every run."""
    rng = random.Random(2026)  # noqa: S311 - reproducible demo data, not secrets
    specs: list[dict] = []
    names: set[str] = set()
    index = 0
    while len(specs) < 64:
        for sector, (patterns, description, offers) in SECTORS.items():
            if len(specs) >= 64:
                break
            pattern = patterns[index % len(patterns)]
            shift = len(specs) * 7
            while (name := pattern.format(place=COMMUNES[shift % len(COMMUNES)][0])) in names:
                shift += 1
            names.add(name)
            commune_name, dep = COMMUNES[shift % len(COMMUNES)]
            legal_forms = LEGAL_FORMS[sector]
            specs.append(
                {
                    "n": len(specs),
                    "name": name,
                    "sector": sector,
                    "legal_form": legal_forms[index % len(legal_forms)],
                    "commune": (commune_name, dep),
                    "description": description,
                    "offers": offers[: 1 + rng.randrange(len(offers))],
                    "street": f"{rng.randrange(1, 80)} {rng.choice(STREET_KINDS)} {rng.choice(STREET_NAMES)}",
                    "listed_days_ago": rng.randrange(20, 1000),
                    "person": (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)),
                }
            )
        index += 1
    return specs


def _organisations(out: TextIO, staff: User) -> None:
    communes = {
        (c.name, c.departement_id): c
        for c in Commune.objects.filter(
            departement__region_id=DEMO_REGION, name__in=[n for n, _d in COMMUNES]
        )
    }
    legal_forms = {f.code: f for f in LegalForm.objects.all()}
    sectors = {s.code: s for s in Sector.objects.all()}
    categories = {c.code: c for c in OfferCategory.objects.all()}
    created = 0
    specs = _organisation_specs()
    for spec in specs:
        # By name: the demo of a database made before SIRENs were checked had other numbers.
        if Organisation.objects.filter(legal_name=spec["name"]).exists():
            continue
        siret = make_siret(88_010_000 + spec["n"] * 1117)
        first, last = spec["person"]
        slug = slugify(spec["name"])
        admin, _new = demo_user(f"contact@{slug}.example", f"{first} {last}")
        organisation = Organisation(
            legal_name=spec["name"],
            siret=siret,
            legal_form=legal_forms[spec["legal_form"]],
            sector=sectors[spec["sector"]],
            address=spec["street"],
            commune=communes[spec["commune"]],
            website=f"https://{slug}.example",
            contact_email=f"contact@{slug}.example",
            contact_phone=f"02 {spec['n'] % 90 + 10:02d} {spec['n'] * 3 % 90 + 10:02d} 00 00",
            description=f"{spec['name']} {spec['description'][0].lower()}{spec['description'][1:]}",
        )
        services.create_organisation(organisation, by=admin)
        if spec["n"] % 5 == 0:
            editor, _new = demo_user(f"equipe@{slug}.example", f"{FIRST_NAMES[spec['n'] % 20]} {last}")
            Membership.objects.get_or_create(
                organisation=organisation, user=editor, defaults={"role": "editor"}
            )
        for kind, category, name, description in spec["offers"]:
            Offer.objects.create(
                organisation=organisation,
                kind=kind,
                category=categories[category],
                name=name,
                description=description,
                availability=f"{spec['commune'][0]} et alentours",
            )
        _set_status(organisation, OTHER_STATUSES.get(spec["n"], Organisation.Status.LISTED), spec, staff)
        created += 1
    out.write(f"  organisations : {created} créées, {len(specs) - created} déjà présentes\n")


def _set_status(organisation: Organisation, status: str, spec: dict, staff: User) -> None:
    Status = Organisation.Status
    if status == Status.DRAFT:
        return
    services.mark_applicant(organisation, by=None)
    decided_on = timezone.localdate() - timedelta(days=spec["listed_days_ago"])
    if status == Status.PROGRESS_PLAN:
        services.open_progress_plan(organisation, by=None)
    elif status == Status.REFUSED:
        services.refuse(organisation, by=None)
    elif status in (Status.LISTED, Status.SUSPENDED):
        services.admit(organisation, by=None, decided_on=decided_on)
        if status == Status.SUSPENDED:
            services.suspend(organisation, by=staff, reason="Changement de statuts en cours d'examen.")
    elif status == Status.EXPIRED:
        services.admit(organisation, by=None, decided_on=date(2023, 3, 1))
        services.expire(organisation)
