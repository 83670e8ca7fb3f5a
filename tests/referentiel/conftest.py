import pytest

from referentiel import services
from referentiel.models import Assessment, Referentiel
from tests.referentiel.factory import make_referentiel


@pytest.fixture
def referentiel(db) -> Referentiel:
    return make_referentiel()


@pytest.fixture
def draft(referentiel, org_a, alice) -> Assessment:
    return services.start_assessment(org_a, by=alice)


FULL_ANSWERS = {
    "gouv-1": (True, ""),
    "gouv-2": (3, "Deux usagers au conseil."),
    "gouv-3": ("Une assemblée générale par an.", ""),
    "env-1": (60, ""),
    "env-2": (4, ""),
}


def answer_all(assessment: Assessment, user, answers: dict | None = None) -> None:
    answers = answers or FULL_ANSWERS
    for domain in services.domains_of(assessment):
        values = {c.code: answers[c.code] for c in domain.criteria.all() if c.code in answers}
        services.save_answers(assessment, domain, values, by=user)


@pytest.fixture
def completed(draft, alice) -> Assessment:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from referentiel.models import Criterion
    from solidaire.lib.documents import check_document
    from tests.referentiel.factory import pdf_bytes

    answer_all(draft, alice)
    criterion = Criterion.objects.get(domain__referentiel=draft.referentiel, code="gouv-1")
    services.add_evidence(
        draft, criterion, check_document(SimpleUploadedFile("statuts.pdf", pdf_bytes())), alice
    )
    return services.complete_assessment(draft, by=alice)
