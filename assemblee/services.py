"""Workflows of the assembly. Each transition checks who may do it and from which
state, writes the audit trail and queues its notifications after the commit."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, Field, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assemblee import notifications, tasks
from assemblee import tally as tally_rules
from assemblee.models import (
    AgendaItem,
    Application,
    Ballot,
    BallotChange,
    Choice,
    College,
    Mandate,
    MandateQuerySet,
    Recusal,
    Seat,
    Session,
    SessionReminder,
)
from referentiel import services as referentiel_services
from referentiel.models import Assessment, ProgressPlan
from solidaire import services as core
from solidaire.lib import reminders
from solidaire.models import AuditEntry, ConflictOfInterest, Membership, Organisation, User

Status = Application.Status
WEIGHT_TOTAL = Decimal(100)


def _require_member(user: User, organisation: Organisation) -> None:
    if not Membership.objects.filter(organisation=organisation, user=user).exists():
        raise PermissionDenied


def _require_staff(user: User) -> None:
    if not user.is_regional_staff:
        raise PermissionDenied


# --- Colleges and members --------------------------------------------------------------------


def check_weights() -> None:
    total = College.objects.aggregate(total=Sum("weight"))["total"] or Decimal(0)
    if total != WEIGHT_TOTAL:
        raise ValidationError(
            _("Les poids des collèges font %(total)s au lieu de 100.")
            % {"total": format(total.normalize(), "f")},
            code="weights",
        )


def current_mandate(user: User) -> Mandate | None:
    if not user.is_authenticated:
        return None
    return Mandate.objects.current().filter(user=user).select_related("college").first()


def is_assembly_member(user: User) -> bool:
    return current_mandate(user) is not None


# --- Applications ----------------------------------------------------------------------------


def open_application(organisation: Organisation) -> Application | None:
    return organisation.applications.filter(status__in=Application.OPEN).first()


def start_application(organisation: Organisation, by: User) -> Application:
    """The organisation's application in progress, or a new draft linked to the previous one."""
    _require_member(by, organisation)
    current = open_application(organisation)
    if current:
        return current
    if not referentiel_services.may_apply_again(organisation):
        raise ValidationError(
            _(
                "Votre démarche de progrès a encore des engagements en cours : "
                "achevez-les avant de candidater de nouveau."
            )
        )
    previous = organisation.applications.exclude(status=Status.WITHDRAWN).first()
    try:
        with transaction.atomic():
            application = Application.objects.create(
                organisation=organisation, previous=previous, created_by=by
            )
    except IntegrityError:  # another member started it at the same moment
        current = open_application(organisation)
        if current is None:
            raise
        return current
    AuditEntry.record(by, "application.start", organisation, application=application.pk)
    return application


@dataclass(frozen=True)
class Missing:
    step: int
    message: str


def checklist(application: Application) -> list[Missing]:
    """What is still missing before submitting, and at which step."""
    organisation = application.organisation
    missing = []
    for field in ("description", "address"):
        if not getattr(organisation, field).strip():
            label = cast(Field, Organisation._meta.get_field(field)).verbose_name  # a column
            missing.append(Missing(1, _("Le profil n'indique pas : %(field)s.") % {"field": label}))
    if not organisation.offers.exists():
        missing.append(Missing(2, _("Présentez au moins un produit ou un service.")))
    assessment = assessment_for(application)
    if assessment is None:
        missing.append(Missing(3, _("Commencez l'auto-évaluation au regard du référentiel.")))
        return missing
    if assessment.is_draft:
        items = referentiel_services.missing_items(assessment)
        answers = [i for i in items if i["what"] == "answer"]
        evidence = [i for i in items if i["what"] == "evidence"]
        if answers:
            message = ngettext(
                "%(count)s question de l'auto-évaluation est sans réponse.",
                "%(count)s questions de l'auto-évaluation sont sans réponse.",
                len(answers),
            )
            missing.append(Missing(3, message % {"count": len(answers)}))
        for item in evidence:
            missing.append(
                Missing(
                    4,
                    _("Preuve manquante pour %(code)s : %(hint)s")
                    % {"code": item["criterion"].code, "hint": item["criterion"].display_evidence_hint},
                )
            )
    return missing


def assessment_for(application: Application) -> Assessment | None:
    """The assessment the application goes with: the one it was submitted with, else the
    organisation's latest (a draft, or one completed since the previous application)."""
    if application.assessment_id:
        return application.assessment
    latest = application.organisation.assessments.select_related("referentiel").first()
    if latest is None:
        return None
    used = Application.objects.filter(assessment=latest).exclude(pk=application.pk).exists()
    return None if used else latest


def submit(application: Application, by: User) -> Application:
    _require_member(by, application.organisation)
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != Status.DRAFT:
            raise ValidationError(_("Cette candidature a déjà été soumise."))
        missing = checklist(application)
        if missing:
            raise ValidationError([m.message for m in missing])
        assessment = assessment_for(application)  # there is one: the checklist asks for it
        if assessment is not None and assessment.is_draft:
            assessment = referentiel_services.complete_assessment(assessment, by=by)
        application.assessment = assessment
        application.status, application.submitted_at, application.staff_message = (
            Status.SUBMITTED,
            timezone.now(),
            "",
        )
        application.save(update_fields=["assessment", "status", "submitted_at", "staff_message"])
        core.mark_applicant(application.organisation, by=by)
        AuditEntry.record(by, "application.submit", application.organisation, application=application.pk)
        notifications.application(application, "application_submitted")
    return application


def send_back(application: Application, by: User, message: str) -> Application:
    """Staff find the application incomplete: it goes back to the organisation with a message."""
    _require_staff(by)
    if not message.strip():
        raise ValidationError(_("Dites à l'organisation ce qui manque."))
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != Status.SUBMITTED:
            raise ValidationError(_("Seule une candidature soumise peut être renvoyée."))
        application.status, application.staff_message = Status.DRAFT, message.strip()
        application.save(update_fields=["status", "staff_message"])
        # So that the organisation can add what is missing; submitting completes it again.
        referentiel_services.reopen_assessment(application.assessment, by=by)
        AuditEntry.record(by, "application.incomplete", application.organisation, message=message.strip())
        notifications.application(application, "application_incomplete")
    return application


def needs_agenda(application: Application) -> bool:
    """Submitted and complete, or left without decision by its last session."""
    return Application.objects.awaiting_agenda().filter(pk=application.pk).exists()


def put_on_agenda(application: Application, session: Session, by: User) -> AgendaItem:
    _require_staff(by)
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        session = Session.objects.select_for_update().get(pk=session.pk)
        if not needs_agenda(application):
            raise ValidationError(_("Cette candidature n'attend pas d'inscription à l'ordre du jour."))
        if session.status == Session.Status.CLOSED or session.closes_at <= timezone.now():
            raise ValidationError(_("Cette séance est close."))
        position = session.items.count() + 1
        item = AgendaItem.objects.create(session=session, application=application, position=position)
        if application.status != Status.ON_AGENDA:
            application.status = Status.ON_AGENDA
            application.save(update_fields=["status"])
        if session.status == Session.Status.PUBLISHED:
            _recuse_automatically(session, [item])
        AuditEntry.record(by, "application.on_agenda", application.organisation, session=session.title)
        notifications.application(application, "application_on_agenda")
    return item


def remove_from_agenda(item: AgendaItem, by: User) -> None:
    _require_staff(by)
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=item.session_id)
        if session.status != Session.Status.DRAFT:
            raise ValidationError(_("L'ordre du jour d'une séance publiée ne se modifie plus."))
        application = Application.objects.select_for_update().get(pk=item.application_id)
        AgendaItem.objects.filter(pk=item.pk).delete()
        if application.status == Status.ON_AGENDA and not application.agenda_items.exists():
            application.status = Status.SUBMITTED
            application.save(update_fields=["status"])
        AuditEntry.record(by, "application.off_agenda", application.organisation, session=session.title)


def withdraw(application: Application, by: User) -> Application:
    _require_member(by, application.organisation)
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if not application.is_open:
            raise ValidationError(_("Une candidature décidée ou déjà retirée ne peut plus être retirée."))
        application.status, application.withdrawn_at = Status.WITHDRAWN, timezone.now()
        application.save(update_fields=["status", "withdrawn_at"])
        organisation = application.organisation
        # Also after a send-back: the organisation is no longer an applicant.
        if organisation.status == Organisation.Status.APPLICANT:
            core.withdraw_application(organisation, by=by)
        AuditEntry.record(by, "application.withdraw", organisation, application=application.pk)
    return application


# --- Sessions, recusal and ballots -----------------------------------------------------------


def publish_session(session: Session, by: User) -> Session:
    """Convenes every member with a current mandate, recuses members linked to an
    applicant, schedules the vote reminders and sends the convocations."""
    _require_staff(by)
    check_weights()
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        if session.status != Session.Status.DRAFT:
            raise ValidationError(_("Cette séance est déjà publiée."))
        if session.closes_at <= timezone.now():
            raise ValidationError(_("La clôture de cette séance est déjà passée."))
        items = list(session.items.select_related("application"))
        if not items:
            raise ValidationError(_("Inscrivez au moins une candidature à l'ordre du jour."))
        # The members sit if their mandate is current on the (local) day the session starts,
        # which is today when it is published after its opening time.
        first_day = timezone.localdate(max(session.opens_at, timezone.now()))
        mandates = Mandate.objects.current(first_day).select_related("user")
        _require_enough_seated_colleges(session, mandates)
        Seat.objects.bulk_create(
            Seat(session=session, user=m.user, college_id=m.college_id) for m in mandates
        )
        _recuse_automatically(session, items)
        for seat in session.seats.all():
            reminders.schedule(
                SessionReminder,
                {"session": session, "member_id": seat.user_id},
                {SessionReminder.Kind.DAY_BEFORE: session.closes_at - timedelta(days=1)},
            )
        session.status, session.published_at = Session.Status.PUBLISHED, timezone.now()
        session.save(update_fields=["status", "published_at"])
        AuditEntry.record(by, "session.publish", session, seats=session.seats.count())
        notifications.convocations(session)
    return session


def _require_enough_seated_colleges(session: Session, mandates: MandateQuerySet) -> None:
    """The quorum counts all the colleges: when too many have nobody to seat, no item could
    be decided (with the default threshold, when more than half of them are vacant)."""
    colleges = list(College.objects.all())
    seated = set(mandates.values_list("college_id", flat=True))
    vacant = [college for college in colleges if college.pk not in seated]
    if len(colleges) - len(vacant) < session.applied_quorum_colleges * len(colleges):
        raise ValidationError(
            _(
                "Le quorum des collèges ne pourrait pas être atteint : %(vacant)s sur %(total)s collèges "
                "n'ont aucun membre en mandat (%(names)s). Nommez-y des membres avant de publier la séance."
            )
            % {"vacant": len(vacant), "total": len(colleges), "names": ", ".join(str(c) for c in vacant)},
            code="vacant_colleges",
        )


def _recuse_automatically(session: Session, items: list[AgendaItem]) -> None:
    """Seated members who belong to an applicant, or declared a conflict with it, are recused."""
    seated = set(session.seats.values_list("user_id", flat=True))
    for item in items:
        organisation_id = item.application.organisation_id
        members = set(
            Membership.objects.filter(organisation_id=organisation_id).values_list("user_id", flat=True)
        )
        conflicts = dict(
            ConflictOfInterest.objects.filter(organisation_id=organisation_id).values_list(
                "user_id", "reason"
            )
        )
        for user_id in seated & (members | set(conflicts)):
            # Blank for a member of the applicant: Recusal.display_reason words it in the reader's language.
            reason = "" if user_id in members else conflicts[user_id]
            Recusal.objects.get_or_create(
                item=item, user_id=user_id, defaults={"automatic": True, "reason": reason}
            )


def declare_conflict(item: AgendaItem, member: User, reason: str) -> Recusal:
    if not reason.strip():
        raise ValidationError(_("Indiquez le motif du conflit d'intérêts."))
    with transaction.atomic():
        session = _lock_session_for_ballot(item.session_id)
        if not Seat.objects.filter(session=session, user=member).exists():
            raise PermissionDenied
        if session.status == Session.Status.CLOSED or session.closes_at <= timezone.now():
            raise ValidationError(_("Cette séance est close."))
        recusal, created = Recusal.objects.get_or_create(
            item=item, user=member, defaults={"reason": reason.strip()}
        )
        if created:
            AuditEntry.record(
                member, "assembly.recusal", item.application.organisation, session=session.title
            )
    return recusal


def _lock_session_for_ballot(session_id: int) -> Session:
    """Ballots share a lock that closing takes exclusively: a ballot either commits before
    the tally, and counts, or waits and then finds the session closed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM assemblee_session WHERE id = %s FOR SHARE", [session_id])
    # SQLite runs one writing transaction at a time (transaction_mode IMMEDIATE).
    return Session.objects.get(pk=session_id)


def cast_ballot(item: AgendaItem, member: User, choice: str, comment: str = "") -> Ballot:
    if choice not in Choice.values:
        raise ValidationError(_("Choisissez : admettre, démarche de progrès, refuser ou s'abstenir."))
    with transaction.atomic():
        session = _lock_session_for_ballot(item.session_id)
        now = timezone.now()
        if session.status != Session.Status.PUBLISHED or now >= session.closes_at:
            raise ValidationError(
                _("Le vote est clos : votre bulletin n'a pas été enregistré."), code="closed"
            )
        if now < session.opens_at:
            raise ValidationError(_("Le vote n'est pas encore ouvert."), code="not_open")
        seat = Seat.objects.filter(session=session, user=member).first()
        if seat is None or not Mandate.objects.current().filter(user=member).exists():
            raise PermissionDenied(_("Vous ne siégez pas à cette séance."))
        item = AgendaItem.objects.select_related("application__organisation").get(pk=item.pk)
        if item.application.status == Status.WITHDRAWN:
            raise ValidationError(_("Cette candidature a été retirée."), code="withdrawn")
        if Membership.objects.filter(organisation=item.application.organisation, user=member).exists():
            # Joined the applicant after the convocation: recused now, and the recusal is kept.
            Recusal.objects.get_or_create(item=item, user=member, defaults={"automatic": True})
        recused = Recusal.objects.filter(item=item, user=member).exists()
        if not recused:
            ballot = _upsert_ballot(item, member, seat, choice, comment.strip())
            BallotChange.objects.create(
                item=item, member=member, choice=choice, comment=comment.strip(), changed_at=now
            )
            AuditEntry.record(member, "assembly.ballot", item.application.organisation, session=session.title)
    if recused:
        raise ValidationError(
            _("Vous êtes déporté(e) sur ce point : vous ne pouvez pas y voter."), code="recused"
        )
    return ballot


def _upsert_ballot(item: AgendaItem, member: User, seat: Seat, choice: str, comment: str) -> Ballot:
    ballot = Ballot.objects.select_for_update().filter(item=item, member=member).first()
    if ballot is None:
        try:
            with transaction.atomic():
                return Ballot.objects.create(
                    item=item, member=member, college=seat.college, choice=choice, comment=comment
                )
        except IntegrityError:  # the same member's other request got there first
            ballot = Ballot.objects.select_for_update().get(item=item, member=member)
    ballot.choice, ballot.comment = choice, comment
    ballot.save(update_fields=["choice", "comment", "updated_at"])
    return ballot


# --- Closing: tally and decisions -----------------------------------------------------------


def tally_session(session: Session) -> dict[int, tally_rules.TallyResult]:
    """Every item's tally from aggregate queries: their number does not grow with members or items."""
    colleges = list(College.objects.all())
    seats = dict(session.seats.values("college_id").annotate(n=Count("id")).values_list("college_id", "n"))
    seat_college = Seat.objects.filter(session=session, user=OuterRef("user")).values("college_id")[:1]
    recused = {
        (row["item_id"], row["college"]): row["n"]
        for row in Recusal.objects.filter(item__session=session)
        .annotate(college=Subquery(seat_college))
        .values("item_id", "college")
        .annotate(n=Count("id"))
    }
    is_recused = Recusal.objects.filter(item=OuterRef("item"), user=OuterRef("member"))
    votes: dict[tuple[int, int], dict[str, int]] = {}
    for row in (
        Ballot.objects.filter(item__session=session)
        .exclude(Exists(is_recused))
        .values("item_id", "college_id", "choice")
        .annotate(n=Count("id"))
    ):
        votes.setdefault((row["item_id"], row["college_id"]), {})[row["choice"]] = row["n"]
    results = {}
    for item_id in session.items.values_list("pk", flat=True):
        counts = [
            tally_rules.CollegeCount(
                code=college.code,
                weight=college.weight,
                eligible=seats.get(college.pk, 0) - recused.get((item_id, college.pk), 0),
                votes=votes.get((item_id, college.pk), {}),
            )
            for college in colleges
        ]
        results[item_id] = tally_rules.tally(
            counts,
            quorum_members=session.applied_quorum_members,
            quorum_colleges=session.applied_quorum_colleges,
        )
    return results


def close_session(session_id: int, *, by: User | None = None) -> bool:
    """Closes the session if it is due, tallies and decides. Returns False when there
    was nothing to do (not due, or another job closed it first)."""
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session_id)
        if session.status != Session.Status.PUBLISHED or session.closes_at > timezone.now():
            return False
        results = tally_session(session)
        items = session.items.select_related("application__organisation", "application__assessment")
        for item in items:
            _decide(item, results[item.pk], session)
        session.status, session.closed_at = Session.Status.CLOSED, timezone.now()
        session.save(update_fields=["status", "closed_at"])
        AuditEntry.record(by, "session.close", session)
        tasks.after_session_closed.delay_on_commit(session.pk)
    return True


OUTCOME_OF = {
    "admit": AgendaItem.Outcome.ADMIT,
    "progress_plan": AgendaItem.Outcome.PROGRESS_PLAN,
    "refuse": AgendaItem.Outcome.REFUSE,
}


def _decide(item: AgendaItem, result: tally_rules.TallyResult, session: Session) -> None:
    application = item.application
    now = timezone.now()
    item.tally = result.to_dict()
    item.decided_at = now
    item.reference = f"SOL-{session.closes_at:%Y}-{item.pk:05d}"
    if application.status == Status.WITHDRAWN or result.winner is None:
        item.outcome = AgendaItem.Outcome.NONE
        item.save(update_fields=["tally", "decided_at", "reference", "outcome"])
        AuditEntry.record(None, "assembly.no_decision", application.organisation, session=session.title)
        return
    item.outcome = OUTCOME_OF[result.winner]
    item.save(update_fields=["tally", "decided_at", "reference", "outcome"])
    organisation = application.organisation
    decided_on = timezone.localtime(session.closes_at).date()
    application.status = {
        AgendaItem.Outcome.ADMIT: Status.ADMITTED,
        AgendaItem.Outcome.PROGRESS_PLAN: Status.PROGRESS_PLAN,
        AgendaItem.Outcome.REFUSE: Status.REFUSED,
    }[item.outcome]
    try:
        with transaction.atomic():
            if item.outcome == AgendaItem.Outcome.ADMIT:
                core.admit(organisation, by=None, decided_on=decided_on)
            elif item.outcome == AgendaItem.Outcome.PROGRESS_PLAN:
                core.open_progress_plan(organisation, by=None)
            else:
                core.refuse(organisation, by=None)
    except core.TransitionError as error:
        # The organisation changed state meanwhile (staff suspended it…): the decision
        # stands and the session closes; staff see why the status did not follow.
        AuditEntry.record(None, "assembly.status_not_applied", organisation, error=error.messages[0])
    if item.outcome == AgendaItem.Outcome.PROGRESS_PLAN:
        referentiel_services.open_progress_plan(
            organisation, by=None, origin=ProgressPlan.Origin.ASSEMBLY, assessment=application.assessment,
            reference=f"{session.title} — {item.reference}",
        )  # fmt: skip
    application.decided_at = now
    application.save(update_fields=["status", "decided_at"])
    AuditEntry.record(
        None, "assembly.decision", organisation, outcome=item.outcome, reference=item.reference,
        scores=result.to_dict()["scores"],
    )  # fmt: skip


def close_due_sessions() -> int:
    due = Session.objects.filter(status=Session.Status.PUBLISHED, closes_at__lte=timezone.now())
    return sum(close_session(pk) for pk in due.values_list("pk", flat=True))


def items_to_vote(session: Session, member: User) -> QuerySet[AgendaItem]:
    """The items the member may still vote on: not withdrawn, not recused, no ballot yet."""
    return (
        session.items.exclude(application__status=Status.WITHDRAWN)
        .exclude(Exists(Recusal.objects.filter(item=OuterRef("pk"), user=member)))
        .exclude(Exists(Ballot.objects.filter(item=OuterRef("pk"), member=member)))
    )


def has_voted_on_everything(session: Session, member: User) -> bool:
    return not items_to_vote(session, member).exists()


# --- Retention -------------------------------------------------------------------------------


def purge_expired_evidence(now: datetime | None = None) -> int:
    """Evidence of refused or withdrawn applications is deleted after the retention
    period (settings.EVIDENCE_RETENTION_DAYS), unless a later application uses it."""
    now = now or timezone.now()
    limit = now - timedelta(days=settings.EVIDENCE_RETENTION_DAYS)
    ended = Application.objects.filter(evidence_purged_at=None, assessment__isnull=False).filter(
        Q(status=Status.REFUSED, decided_at__lte=limit) | Q(status=Status.WITHDRAWN, withdrawn_at__lte=limit)
    )
    purged = 0
    for application in ended.select_related("assessment__organisation"):
        assessment = application.assessment
        if assessment is None:  # the query keeps those that have one
            continue
        still_used = assessment.applications.exclude(status__in=[Status.REFUSED, Status.WITHDRAWN]).exists()
        if not still_used:
            for evidence in assessment.evidence.all():
                referentiel_services.erase_evidence(evidence)
                purged += 1
        Application.objects.filter(pk=application.pk).update(evidence_purged_at=now)
        AuditEntry.record(
            None, "application.evidence_purged", assessment.organisation, application=application.pk
        )
    return purged
