"""A small référentiel for tests: two domains, five criteria of every kind."""

from decimal import Decimal

from django.utils import timezone

from referentiel.models import Criterion, Domain, Referentiel


def make_referentiel(version: int = 90, *, publish: bool = True) -> Referentiel:
    referentiel = Referentiel.objects.create(
        version=version, title="Référentiel de test", min_overall=Decimal(50)
    )
    gouvernance = Domain.objects.create(
        referentiel=referentiel, code="gouvernance", position=1, name="Gouvernance démocratique",
        name_en="Democratic governance", min_score=Decimal(50),
    )  # fmt: skip
    environnement = Domain.objects.create(
        referentiel=referentiel, code="environnement", position=2, name="Pratiques environnementales",
        name_en="Environmental practices", min_score=Decimal(40),
    )  # fmt: skip
    criteria = [
        (
            gouvernance,
            "gouv-1",
            "yes_no",
            "Les salariés élisent-ils des représentants au conseil ?",
            Decimal(1),
            True,
        ),
        (gouvernance, "gouv-2", "level", "Les usagers participent-ils aux décisions ?", Decimal(3), False),
        (gouvernance, "gouv-3", "text", "Décrivez votre gouvernance.", None, False),
        (environnement, "env-1", "number", "Part des achats locaux", Decimal(50), False),
        (environnement, "env-2", "number", "Écart de rémunération", Decimal(5), False),
    ]
    for position, (domain, code, kind, question, meets, evidence) in enumerate(criteria, start=1):
        Criterion.objects.create(
            domain=domain, code=code, position=position, question=question, question_en=f"{question} (en)",
            guidance="Répondez au mieux.", kind=kind, weight=Decimal(0) if kind == "text" else Decimal(1),
            meets=Decimal(1) if kind == "yes_no" else meets, evidence_required=evidence,
            evidence_hint="Les statuts signés (PDF)" if evidence else "",
            direction="lower" if code == "env-2" else "higher", unit="%" if code == "env-1" else "",
            iso26000=["governance"],
        )  # fmt: skip
    if publish:
        Referentiel.objects.filter(pk=referentiel.pk).update(published_at=timezone.now())
        referentiel.refresh_from_db()
    return referentiel


def pdf_bytes(text: str = "Statuts de l'association") -> bytes:
    """A minimal valid PDF."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj "
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
        + f"% {text}\n".encode()
    )
