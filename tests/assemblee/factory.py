"""An assembly for tests: five colleges of weight 20, members with a current mandate,
an application on the agenda of a session."""

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assemblee import services
from assemblee.models import AgendaItem, Application, College, Mandate, Session
from referentiel import services as referentiel_services
from referentiel.models import Criterion
from solidaire.lib.documents import check_document
from solidaire.models import Organisation, User
from tests.factory import make_offer, make_user
from tests.referentiel.conftest import answer_all
from tests.referentiel.factory import make_referentiel, pdf_bytes

COLLEGES = [
    ("consommateurs", "Consommateurs et usagers"),
    ("chercheurs", "Chercheurs"),
    ("syndicats", "Syndicats de salariés"),
    ("acteurs", "Acteurs économiques"),
    ("region", "Région"),
]


def make_colleges(weights: tuple[int, ...] = (20, 20, 20, 20, 20)) -> list[College]:
    return [
        College.objects.create(code=code, name=name, weight=Decimal(weight), seats=10, position=i)
        for i, ((code, name), weight) in enumerate(zip(COLLEGES, weights, strict=True))
    ]


def make_member(college: College, email: str | None = None, **extra) -> User:
    user = make_user(email, totp=True, **extra)
    today = timezone.localdate()
    Mandate.objects.create(
        user=user, college=college, starts_on=today - timedelta(days=365), ends_on=today + timedelta(days=365)
    )
    return user


def ready_application(organisation: Organisation, member: User) -> Application:
    """A submitted application: offers, a completed self-assessment with its evidence."""
    if not referentiel_services.Referentiel.objects.filter(version=90).exists():
        make_referentiel()
    if not organisation.offers.exists():
        make_offer(organisation)
    application = services.start_application(organisation, by=member)
    assessment = referentiel_services.start_assessment(organisation, by=member)
    answer_all(assessment, member)
    criterion = Criterion.objects.get(code="gouv-1", domain__referentiel=assessment.referentiel)
    document = check_document(SimpleUploadedFile("statuts.pdf", pdf_bytes()))
    referentiel_services.add_evidence(assessment, criterion, document, member)
    return services.submit(application, by=member)


def make_session(
    staff: User, *, opens_in: timedelta = -timedelta(hours=1), lasts: timedelta = timedelta(days=7)
) -> Session:
    opens_at = timezone.now() + opens_in
    return Session.objects.create(
        title="Séance du 12 mars",
        place="Hôtel de Région, Rennes",
        opens_at=opens_at,
        closes_at=opens_at + lasts,
        created_by=staff,
    )


def on_agenda(application: Application, session: Session, staff: User) -> AgendaItem:
    return services.put_on_agenda(application, session, by=staff)
