"""Demo data of the référentiel: assessments in every state, peer reviews and a
démarche de progrès with commitments late, due and done. Idempotent."""

import random
from datetime import timedelta
from decimal import Decimal
from typing import TextIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from referentiel import services
from referentiel.access import eligible_reviewers
from referentiel.models import Assessment, Commitment, Criterion, PeerReview, ProgressPlan, Referentiel
from referentiel.scoring import AnswerValue
from solidaire.lib.documents import check_document
from solidaire.models import Organisation, User

Status = Organisation.Status


def demo_pdf(title: str) -> bytes:
    """A small, valid one-page PDF whose text is `title` (no WeasyPrint: the demo stays fast)."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 16 Tf 50 750 Td (" + text + b") Tj ET"
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica/Encoding/WinAnsiEncoding>>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def populate(out: TextIO) -> None:
    referentiel = Referentiel.objects.current()
    if referentiel is None:
        out.write("  aucun référentiel publié\n")
        return
    organisations = list(Organisation.objects.select_related("commune").order_by("siret"))
    created = 0
    for index, organisation in enumerate(organisations):
        if organisation.assessments.exists():
            continue
        admin = organisation.memberships.filter(role="admin").select_related("user").first()
        if admin is None:
            continue
        _assess(organisation, admin.user, referentiel, random.Random(index))  # noqa: S311 - demo data
        created += 1
    out.write(f"  auto-évaluations : {created} créées\n")
    _reviews(out)
    _plan(out, referentiel)


def _answers_for(organisation: Organisation, referentiel: Referentiel, rng: random.Random) -> dict:
    """Good answers for listed organisations, weaker ones for those on a démarche de progrès."""
    strong = organisation.status in (Status.LISTED, Status.SUSPENDED, Status.EXPIRED)
    answers = {}
    for criterion in Criterion.objects.filter(domain__referentiel=referentiel):
        good = rng.random() < (0.9 if strong else 0.45)
        value: AnswerValue
        if criterion.kind == Criterion.Kind.YES_NO:
            value = good
        elif criterion.kind == Criterion.Kind.LEVEL:
            value = rng.choice([3, 4]) if good else rng.choice([0, 1, 2])
        elif criterion.kind == Criterion.Kind.NUMBER:
            meets = criterion.meets or Decimal(1)
            factor = Decimal(rng.choice(["1.2", "1.5"])) if good else Decimal(rng.choice(["0.3", "0.6"]))
            if criterion.direction == Criterion.Direction.LOWER:
                factor = 1 / factor
            value = (meets * factor).quantize(Decimal("0.01"))
        else:
            value = "Nous en parlons chaque année en assemblée générale, avec les salariés et les bénévoles."
        answers[criterion.code] = (value, "")
    return answers


def _assess(organisation: Organisation, user: User, referentiel: Referentiel, rng: random.Random) -> None:
    assessment = services.start_assessment(organisation, by=user)
    answers = _answers_for(organisation, referentiel, rng)
    domains = services.domains_of(assessment)
    if organisation.status == Status.DRAFT:
        # A draft stopped halfway, to show "Reprendre".
        domains = domains[: len(domains) // 2]
        Assessment.objects.filter(pk=assessment.pk).update(current_position=len(domains) + 1)
    for domain in domains:
        codes = {c.code for c in domain.criteria.all()}
        services.save_answers(assessment, domain, {k: v for k, v in answers.items() if k in codes}, by=user)
        for criterion in domain.criteria.all():
            if criterion.evidence_required:
                name = f"{criterion.evidence_hint or 'preuve'}.pdf"[:80]
                upload = SimpleUploadedFile(name, demo_pdf(f"{organisation.name} - {criterion.code}"))
                services.add_evidence(assessment, criterion, check_document(upload), by=user)
    if organisation.status != Status.DRAFT:
        services.complete_assessment(assessment, by=user)


def _reviews(out: TextIO) -> None:
    if PeerReview.objects.exists():
        return
    staff = User.objects.get(email="nadia@region.example")
    applicants = Assessment.objects.filter(
        organisation__status=Status.APPLICANT, status=Assessment.Status.COMPLETED
    ).order_by("organisation__siret")[:2]
    for number, assessment in enumerate(applicants):
        reviewer = eligible_reviewers(assessment)[0]
        review = services.assign_reviewer(assessment, reviewer, by=staff)
        if number == 0:
            opinions = {}
            for criterion in Criterion.objects.filter(domain__referentiel=assessment.referentiel):
                agrees = criterion.position % 4 != 0
                text = "" if agrees else "La preuve ne montre pas encore cette pratique : précisez-la."
                opinions[criterion.pk] = (agrees, text)
            services.save_review(review, opinions, "Une démarche sincère et bien documentée.", submit=True)
            comment = review.comments.filter(agrees=False).earliest("pk")
            member = assessment.organisation.memberships.earliest("pk").user
            services.reply_to_comment(
                comment, "Le procès-verbal de l'AG de juin le montre : nous l'ajoutons.", member
            )
    out.write("  relectures par les pairs : 2 (une rendue avec une réponse, une à faire)\n")


def _plan(out: TextIO, referentiel: Referentiel) -> None:
    organisation = Organisation.objects.filter(status=Status.PROGRESS_PLAN).order_by("siret").first()
    if organisation is None or organisation.progress_plans.exists():
        return
    assessment = organisation.assessments.filter(status=Assessment.Status.COMPLETED).first()
    plan = services.open_progress_plan(
        organisation, by=None, origin=ProgressPlan.Origin.ASSEMBLY, assessment=assessment,
        reference="Séance de l'assemblée du printemps", commitments=[],
    )  # fmt: skip
    today = timezone.localdate()
    criteria = list(Criterion.objects.filter(domain__referentiel=referentiel).order_by("pk")[:3])
    items = [
        (
            criteria[0],
            "Adopter un règlement intérieur qui associe les usagers aux décisions",
            today - timedelta(10),
        ),
        (criteria[1], "Publier le rapport d'activité et les comptes sur le site", today + timedelta(days=12)),
        (criteria[2], "Réaliser un premier bilan carbone simplifié", today + timedelta(days=120)),
    ]
    commitments = [services.add_commitment(plan, c, action, deadline) for c, action, deadline in items]
    member = organisation.memberships.earliest("pk").user
    services.update_commitment(
        commitments[2], status=Commitment.Status.DONE, note="Fait avec l'ADEME.", by=member
    )
    out.write(f"  démarche de progrès : {organisation.name} (3 engagements : en retard, proche, réalisé)\n")
