"""Workflows of the référentiel: versions, self-assessment, evidence, peer
review and démarches de progrès. Views, admin, commands and tasks call these."""

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from referentiel import notifications, scoring, tasks
from referentiel.access import eligible_reviewers, is_member
from referentiel.models import (
    Answer,
    Assessment,
    Commitment,
    CommitmentNote,
    CommitmentReminder,
    Criterion,
    Domain,
    Evidence,
    PeerReview,
    ProgressPlan,
    Referentiel,
    ReviewComment,
    ReviewReply,
)
from solidaire.lib import reminders
from solidaire.lib.documents import CheckedDocument
from solidaire.models import AuditEntry, Organisation, User, record_domains_met

REVIEWERS_PER_ASSESSMENT = 2
DEFAULT_COMMITMENT_DELAY = timedelta(days=180)
REMINDER_HOUR = time(8, 0)


# --- Versions ------------------------------------------------------------------------------


def publish(referentiel: Referentiel, by: User | None) -> Referentiel:
    if referentiel.is_published:
        raise ValidationError(_("Cette version est déjà publiée."))
    if not Criterion.objects.filter(domain__referentiel=referentiel).exists():
        raise ValidationError(_("Une version sans critère ne peut pas être publiée."))
    now = timezone.now()
    Referentiel.objects.filter(pk=referentiel.pk).update(published_at=now)
    referentiel.published_at = now
    AuditEntry.record(by, "referentiel.publish", referentiel)
    return referentiel


@transaction.atomic
def new_version(source: Referentiel, by: User | None) -> Referentiel:
    """A draft copy of `source` with the next version number, to edit then publish."""
    number = (Referentiel.objects.aggregate(m=Max("version"))["m"] or 0) + 1
    copy = Referentiel.objects.create(
        version=number, title=source.title, description=source.description, min_overall=source.min_overall
    )
    for domain in source.domains.prefetch_related("criteria"):
        criteria = list(domain.criteria.all())
        domain.pk, domain.referentiel = None, copy
        domain.save()
        for criterion in criteria:
            criterion.pk, criterion.domain = None, domain
        Criterion.objects.bulk_create(criteria)
    AuditEntry.record(by, "referentiel.new_version", copy, source=source.version)
    return copy


def spec_of(referentiel: Referentiel) -> scoring.ReferentielSpec:
    domains = list(referentiel.domains.prefetch_related("criteria"))
    return scoring.ReferentielSpec(
        domains=tuple(scoring.DomainSpec(code=d.code, min_score=d.min_score) for d in domains),
        criteria=tuple(
            scoring.CriterionSpec(
                code=c.code,
                domain=d.code,
                kind=c.kind,
                weight=c.weight,
                meets=c.meets,
                direction=c.direction or "higher",
            )
            for d in domains
            for c in d.criteria.all()
        ),
        min_overall=referentiel.min_overall,
    )


# --- Self-assessment ---------------------------------------------------------------------


def start_assessment(organisation: Organisation, by: User) -> Assessment:
    """The organisation's draft assessment, or a new one against the current version."""
    draft = organisation.assessments.filter(status=Assessment.Status.DRAFT).first()
    if draft:
        return draft
    referentiel = Referentiel.objects.current()
    if referentiel is None:
        raise ValidationError(_("Aucune version du référentiel n'est publiée."))
    assessment = Assessment.objects.create(organisation=organisation, referentiel=referentiel, created_by=by)
    AuditEntry.record(by, "assessment.start", organisation, assessment=assessment.pk)
    return assessment


def domains_of(assessment: Assessment) -> list[Domain]:
    return list(
        assessment.referentiel.domains.prefetch_related(
            Prefetch("criteria", queryset=Criterion.objects.order_by("position"))
        )
    )


def answers_of(assessment: Assessment) -> dict[str, Answer]:
    return {a.criterion.code: a for a in assessment.answers.select_related("criterion")}


def answer_values(assessment: Assessment) -> dict[str, scoring.AnswerValue]:
    values: dict[str, scoring.AnswerValue] = {}
    for code, answer in answers_of(assessment).items():
        value = answer.value
        if isinstance(value, int) and not isinstance(value, bool):
            value = int(value)
        if value is not None:
            values[code] = value
    return values


def save_answers(
    assessment: Assessment, domain: Domain, values: Mapping[str, tuple[object, str]], by: User
) -> None:
    """Stores the answers of one domain page: `values` maps a criterion code to (value, comment)."""
    if not assessment.is_draft:
        raise ValidationError(_("Cette auto-évaluation est terminée : elle ne se modifie plus."))
    field: dict[str, str] = {
        Criterion.Kind.YES_NO: "value_bool",
        Criterion.Kind.LEVEL: "value_level",
        Criterion.Kind.NUMBER: "value_number",
        Criterion.Kind.TEXT: "value_text",
    }
    with transaction.atomic():
        for criterion in domain.criteria.all():
            if criterion.code not in values:
                continue
            value, comment = values[criterion.code]
            if criterion.kind == Criterion.Kind.TEXT and value is None:
                value = ""  # a text answer is never NULL
            defaults = {field[criterion.kind]: value, "comment": comment or "", "updated_by": by}
            Answer.objects.update_or_create(assessment=assessment, criterion=criterion, defaults=defaults)
        Assessment.objects.filter(pk=assessment.pk).update(updated_at=timezone.now())


def current_result(assessment: Assessment) -> scoring.Result:
    """The stored result of a completed assessment; the provisional one of a draft."""
    if assessment.result:
        return scoring.Result.from_dict(assessment.result)
    return scoring.score(spec_of(assessment.referentiel), answer_values(assessment))


def missing_items(assessment: Assessment) -> list[dict]:
    """What prevents finishing: unanswered criteria and missing required evidence, with their domain page."""
    answered = {code for code, value in answer_values(assessment).items() if value not in (None, "")}
    evidenced = set(assessment.evidence.values_list("criterion_id", flat=True))
    missing = []
    for position, domain in enumerate(domains_of(assessment), start=1):
        for criterion in domain.criteria.all():
            if criterion.code not in answered:
                missing.append(
                    {"position": position, "domain": domain, "criterion": criterion, "what": "answer"}
                )
            if criterion.evidence_required and criterion.pk not in evidenced:
                missing.append(
                    {"position": position, "domain": domain, "criterion": criterion, "what": "evidence"}
                )
    return missing


def complete_assessment(assessment: Assessment, by: User) -> Assessment:
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if not assessment.is_draft:
            raise ValidationError(_("Cette auto-évaluation est déjà terminée."))
        if missing_items(assessment):
            raise ValidationError(_("Des réponses ou des preuves manquent encore : voyez la liste."))
        result = scoring.score(spec_of(assessment.referentiel), answer_values(assessment))
        assessment.result = result.to_dict()
        assessment.status = Assessment.Status.COMPLETED
        assessment.completed_at = timezone.now()
        assessment.save(update_fields=["result", "status", "completed_at", "updated_at"])
        AuditEntry.record(
            by,
            "assessment.complete",
            assessment.organisation,
            assessment=assessment.pk,
            overall=str(result.overall),
        )
        publish_domains_met(assessment.organisation)
        tasks.render_assessment_reports.delay_on_commit(assessment.pk)
    return assessment


def publish_domains_met(organisation: Organisation) -> None:
    """The showcase filters on the domains met by the latest completed assessment."""
    latest = (
        organisation.assessments.filter(status=Assessment.Status.COMPLETED).order_by("-completed_at").first()
    )
    codes = [d.code for d in current_result(latest).domains if d.met] if latest else []
    record_domains_met(organisation.pk, codes)


def reopen_assessment(assessment: Assessment | None, by: User) -> Assessment | None:
    """An application sent back as incomplete: its assessment becomes a draft again so that
    the organisation can complete it, unless a peer review was already given on it."""
    from referentiel.pdf import report_name

    if assessment is None or assessment.is_draft:
        return assessment
    if assessment.reviews.filter(status=PeerReview.Status.SUBMITTED).exists():
        return assessment
    with transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(
            status=Assessment.Status.DRAFT, result=None, completed_at=None, updated_at=timezone.now()
        )
        AuditEntry.record(by, "assessment.reopen", assessment.organisation, assessment=assessment.pk)
        publish_domains_met(assessment.organisation)
    storage = storages["private"]
    for language, _name in settings.LANGUAGES:
        storage.delete(report_name(assessment, language))
    assessment.refresh_from_db()
    return assessment


def add_evidence(
    assessment: Assessment, criterion: Criterion | None, document: CheckedDocument, by: User
) -> Evidence:
    if not assessment.is_draft:
        raise ValidationError(_("Cette auto-évaluation est terminée : ses preuves ne changent plus."))
    if criterion and criterion.domain.referentiel_id != assessment.referentiel_id:
        raise ValidationError(_("Ce critère n'appartient pas à cette version du référentiel."))
    evidence = Evidence(
        assessment=assessment,
        criterion=criterion,
        original_name=document.name[:255],
        content_type=document.content_type,
        size=document.size,
        uploaded_by=by,
    )
    evidence.file.save(f"upload.{document.extension}", document.upload, save=False)
    evidence.save()
    return evidence


def delete_evidence(evidence: Evidence) -> None:
    if not evidence.assessment.is_draft:
        raise ValidationError(_("Cette auto-évaluation est terminée : ses preuves ne changent plus."))
    erase_evidence(evidence)


def erase_evidence(evidence: Evidence) -> None:
    """Removes the evidence and its file (after the commit: a rollback keeps the file)."""
    storage, name = evidence.file.storage, evidence.file.name
    evidence.delete()
    if name:  # evidence always has a file
        transaction.on_commit(lambda: storage.delete(name))


# --- Peer review ---------------------------------------------------------------------------


def assign_reviewer(assessment: Assessment, reviewer: User, by: User) -> PeerReview:
    if not by.is_regional_staff:
        raise PermissionDenied
    with transaction.atomic():
        # Checked on the locked row: two staff assigning at once never make three reviewers.
        assessment = (
            Assessment.objects.select_for_update().select_related("organisation").get(pk=assessment.pk)
        )
        if assessment.is_draft:
            raise ValidationError(_("L'auto-évaluation doit être terminée avant sa relecture."))
        if is_member(reviewer, assessment.organisation):
            raise ValidationError(_("Un membre de l'organisation évaluée ne peut pas en être le relecteur."))
        if reviewer.conflicts.filter(organisation=assessment.organisation).exists():
            raise ValidationError(_("Cette personne a déclaré un conflit d'intérêts avec l'organisation."))
        if not eligible_reviewers(assessment).filter(pk=reviewer.pk).exists():
            raise ValidationError(
                _("Les relecteurs sont des membres de l'assemblée ou d'organisations référencées.")
            )
        if assessment.reviews.filter(reviewer=reviewer).exists():
            raise ValidationError(_("Cette personne relit déjà cette auto-évaluation."))
        if assessment.reviews.count() >= REVIEWERS_PER_ASSESSMENT:
            raise ValidationError(_("Cette auto-évaluation a déjà ses deux relecteurs."))
        review = PeerReview.objects.create(assessment=assessment, reviewer=reviewer, assigned_by=by)
        AuditEntry.record(by, "review.assign", assessment.organisation, reviewer=reviewer.pk)
        notifications.review_assigned(review)
    return review


def save_review(
    review: PeerReview, opinions: Mapping[int, tuple[bool | None, str]], summary: str, *, submit: bool
) -> PeerReview:
    """Stores the reviewer's opinion per criterion id: (agrees, comment); submitting needs one on each."""
    if review.status == PeerReview.Status.SUBMITTED:
        raise ValidationError(_("Cette relecture est déjà rendue."))
    criteria = {
        c.pk: c for c in Criterion.objects.filter(domain__referentiel=review.assessment.referentiel_id)
    }
    with transaction.atomic():
        for criterion_id, (agrees, comment) in opinions.items():
            if criterion_id not in criteria:
                raise ValidationError(_("Critère inconnu."))
            ReviewComment.objects.update_or_create(
                review=review, criterion_id=criterion_id, defaults={"agrees": agrees, "comment": comment}
            )
        review.summary = summary
        fields = ["summary"]
        if submit:
            given = set(review.comments.exclude(agrees=None).values_list("criterion_id", flat=True))
            if given != set(criteria):
                raise ValidationError(_("Donnez votre avis sur chaque critère avant de rendre la relecture."))
            review.status, review.submitted_at = PeerReview.Status.SUBMITTED, timezone.now()
            fields += ["status", "submitted_at"]
            notifications.review_submitted(review)
        review.save(update_fields=fields)
    return review


def reply_to_comment(comment: ReviewComment, text: str, by: User) -> ReviewReply:
    review = PeerReview.objects.select_related("assessment__organisation").get(pk=comment.review_id)
    if not is_member(by, review.assessment.organisation):
        raise PermissionDenied
    if review.status != PeerReview.Status.SUBMITTED:
        raise ValidationError(_("La relecture n'est pas encore rendue."))
    return ReviewReply.objects.create(comment=comment, author=by, text=text.strip())


# --- Démarche de progrès ----------------------------------------------------------------


def open_progress_plan(
    organisation: Organisation,
    *,
    by: User | None,
    origin: str,
    assessment: Assessment | None = None,
    reference: str = "",
    commitments: Iterable[tuple[Criterion, str, date]] | None = None,
) -> ProgressPlan:
    """Opens a plan. Called by the assembly's "progress plan" decision (with the
    assessment, whose gaps become the commitments) and by staff who draft one."""
    with transaction.atomic():
        plan = ProgressPlan.objects.create(
            organisation=organisation,
            assessment=assessment,
            origin=origin,
            reference=reference,
            created_by=by,
            status=ProgressPlan.Status.OPEN
            if origin == ProgressPlan.Origin.ASSEMBLY
            else ProgressPlan.Status.DRAFT,
        )
        if commitments is None and assessment is not None:
            commitments = _commitments_from_gaps(assessment)
        for criterion, action, deadline in commitments or ():
            add_commitment(plan, criterion, action, deadline)
        AuditEntry.record(by, "progress_plan.open", organisation, plan=plan.pk, origin=origin)
    return plan


def _commitments_from_gaps(assessment: Assessment) -> list[tuple[Criterion, str, date]]:
    codes = [gap.code for gap in current_result(assessment).gaps]
    criteria = {
        c.code: c
        for c in Criterion.objects.filter(domain__referentiel=assessment.referentiel, code__in=codes)
    }
    deadline = timezone.localdate() + DEFAULT_COMMITMENT_DELAY
    return [
        (criteria[code], _("Progresser sur : %(question)s") % {"question": criteria[code].question}, deadline)
        for code in codes
    ]


def add_commitment(plan: ProgressPlan, criterion: Criterion, action: str, deadline: date) -> Commitment:
    commitment = Commitment.objects.create(plan=plan, criterion=criterion, action=action, deadline=deadline)
    schedule_commitment_reminders(commitment)
    return commitment


def _at_morning(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, REMINDER_HOUR))


def schedule_commitment_reminders(commitment: Commitment) -> None:
    kinds = CommitmentReminder.Kind
    reminders.schedule(
        CommitmentReminder,
        {"commitment": commitment},
        {
            kinds.BEFORE: _at_morning(commitment.deadline - timedelta(days=15)),
            kinds.OVERDUE: _at_morning(commitment.deadline + timedelta(days=1)),
        },
    )


def update_commitment(commitment: Commitment, *, status: str, note: str, by: User) -> Commitment:
    plan = commitment.plan
    if plan.status == ProgressPlan.Status.COMPLETED:
        raise ValidationError(_("Cette démarche est achevée."))
    with transaction.atomic():
        commitment.status = status
        commitment.save(update_fields=["status", "updated_at"])
        if note.strip():
            CommitmentNote.objects.create(commitment=commitment, author=by, text=note.strip())
        AuditEntry.record(by, "commitment.update", plan.organisation, commitment=commitment.pk, status=status)
        if not plan.commitments.exclude(status=Commitment.Status.DONE).exists():
            plan.status, plan.completed_at = ProgressPlan.Status.COMPLETED, timezone.now()
            plan.save(update_fields=["status", "completed_at"])
            AuditEntry.record(by, "progress_plan.complete", plan.organisation, plan=plan.pk)
    return commitment


def start_plan(plan: ProgressPlan, by: User) -> ProgressPlan:
    """Staff hand a drafted plan over to the organisation."""
    if plan.status != ProgressPlan.Status.DRAFT:
        raise ValidationError(_("Cette démarche est déjà engagée."))
    if not plan.commitments.exists():
        raise ValidationError(_("Ajoutez au moins un engagement."))
    plan.status = ProgressPlan.Status.OPEN
    plan.save(update_fields=["status"])
    AuditEntry.record(by, "progress_plan.start", plan.organisation, plan=plan.pk)
    return plan


def may_apply_again(organisation: Organisation) -> bool:
    """After a démarche de progrès, a new application needs every commitment done."""
    latest = organisation.progress_plans.first()
    return latest is None or latest.status == ProgressPlan.Status.COMPLETED
