"""Demo data of the assembly: five colleges, twenty members, a past session with its
decisions and minutes, an open session with an agenda. Idempotent."""

from datetime import timedelta
from decimal import Decimal
from typing import TextIO

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone

from assemblee import services
from assemblee.models import Application, College, Mandate, Session
from solidaire.demo import DEMO_TOTP_SECRET, demo_user
from solidaire.models import Organisation, User

COLLEGES = [
    ("consommateurs", "Consommateurs et usagers", "Consumers and users", 25),
    ("chercheurs", "Chercheurs", "Researchers", 15),
    ("syndicats", "Syndicats de salariés", "Trade unions", 20),
    ("acteurs", "Acteurs économiques", "Economic actors", 20),
    ("region", "Région", "The Region", 20),
]
MEMBERS = [
    "Paul Guillou",
    "Inès Haddad",
    "Tristan Riou",
    "Awa Traoré",
    "Hugo Moreau",
    "Maëlle Tanguy",
    "Samir Benali",
    "Nolwenn Cadiou",
    "Loïc Jaouen",
    "Chloé Bernard",
    "Erwan Kerbrat",
    "Fatou Diallo",
    "Gwenaël Le Bihan",
    "Anaïs Le Roux",
    "Yann Morvan",
    "Sophie Nguyen",
    "Mehdi Martin",
    "Léna Le Gall",
    "Thomas Riou",
    "Claire Guillou",
]


def populate(out: TextIO) -> None:
    colleges = _colleges()
    members = _members(colleges)
    count = f"  collèges : {len(colleges)}, membres : {len(members)}"
    out.write(f"{count} (double authentification, même secret TOTP)\n")
    if Session.objects.exists():
        out.write("  séances : déjà présentes\n")
        return
    staff = User.objects.get(email="nadia@region.example")
    applications = _applications()
    if len(applications) < 4:
        out.write("  séances : pas assez de candidatures\n")
        return
    _past_session(staff, members, applications[:2])
    _open_session(staff, members, applications[2:])
    out.write("  séances : une close (décisions et procès-verbal), une ouverte au vote\n")


def _colleges() -> list[College]:
    return [
        College.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "weight": Decimal(weight), "seats": 4, "position": i},
        )[0]
        for i, (code, name, name_en, weight) in enumerate(COLLEGES)
    ]


def _members(colleges: list[College]) -> list[User]:
    today = timezone.localdate()
    members = []
    for index, name in enumerate(MEMBERS):
        email = "assemblee.{}@region.example".format(
            name.lower()
            .replace(" ", ".")
            .replace("ï", "i")
            .replace("ë", "e")
            .replace("é", "e")
            .replace("è", "e")
            .replace("ç", "c")
        )
        user, created = demo_user(email, name)
        if created:
            Mandate.objects.create(
                user=user,
                college=colleges[index % len(colleges)],
                starts_on=today - timedelta(days=400),
                ends_on=today + timedelta(days=700),
            )
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
        members.append(user)
    return members


def _applications() -> list[Application]:
    """Submitted applications of the applicant organisations (their assessments are done)."""
    applications = []
    for organisation in Organisation.objects.filter(status=Organisation.Status.APPLICANT).order_by("siret"):
        member = organisation.memberships.filter(role="admin").earliest("pk").user
        application = services.start_application(organisation, by=member)
        if not services.checklist(application):
            applications.append(services.submit(application, by=member))
    return applications


def _past_session(staff: User, members: list[User], applications: list[Application]) -> None:
    session = Session.objects.create(
        title="Séance de printemps",
        place="Hôtel de Région, Rennes",
        opens_at=timezone.now() - timedelta(minutes=5),
        closes_at=timezone.now() + timedelta(days=1),
        created_by=staff,
    )
    items = [services.put_on_agenda(application, session, by=staff) for application in applications]
    services.publish_session(session, by=staff)
    for index, member in enumerate(members):
        services.cast_ballot(items[0], member, "admit" if index % 5 else "abstain", "Un projet solide.")
        services.cast_ballot(items[1], member, "progress_plan" if index % 4 else "admit")
    # The session took place two months ago: its dates move back, then it closes.
    closes_at = timezone.now() - timedelta(days=60)
    Session.objects.filter(pk=session.pk).update(opens_at=closes_at - timedelta(days=11), closes_at=closes_at)
    services.close_session(session.pk, by=staff)


def _open_session(staff: User, members: list[User], applications: list[Application]) -> None:
    now = timezone.now()
    session = Session.objects.create(
        title="Séance d'automne",
        place="",
        online_url="https://visio.region.example/assemblee",
        opens_at=now - timedelta(days=2),
        closes_at=now + timedelta(days=9),
        created_by=staff,
    )
    items = [services.put_on_agenda(application, session, by=staff) for application in applications]
    services.publish_session(session, by=staff)
    for member in members[:6]:
        services.cast_ballot(items[0], member, "admit")
