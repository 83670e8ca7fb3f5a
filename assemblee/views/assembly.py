"""The pages of the assembly members: the sessions they sit in, the dossiers on the agenda,
their ballots and conflicts of interest, then the results and the minutes (DESIGN §5).

A member reaches only the sessions they are seated in (404 for the others). Regional staff
(with their second factor) also read the results and the minutes of any session."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from assemblee import services
from assemblee.access import assembly_member_required
from assemblee.forms import BallotForm, ConflictForm
from assemblee.models import AgendaItem, Application, Ballot, Recusal, Session
from assemblee.pdf import minutes_context
from referentiel.models import Assessment, Evidence, PeerReview, ProgressPlan, ReviewComment
from referentiel.pdf import scores_context
from referentiel.services import answers_of
from solidaire.lib.access import LoggedInView, staff_required
from solidaire.lib.http import AuthenticatedHttpRequest
from solidaire.lib.pdf import pdf_response
from solidaire.models import User

VISIBLE = [Session.Status.PUBLISHED, Session.Status.CLOSED]


def assembly_or_staff_required[**P](view: LoggedInView[P]) -> LoggedInView[P]:
    """Regional staff (second factor required) or assembly members."""
    as_staff, as_member = staff_required(view), assembly_member_required(view)

    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        if request.user.is_authenticated and request.user.is_regional_staff:
            return as_staff(request, *args, **kwargs)
        return as_member(request, *args, **kwargs)

    return wrapper


def _seated_session(request: AuthenticatedHttpRequest, pk: int) -> Session:
    return get_object_or_404(Session.objects.filter(status__in=VISIBLE, seats__user=request.user), pk=pk)


def _readable_session(request: AuthenticatedHttpRequest, pk: int) -> Session:
    if request.user.is_regional_staff:
        return get_object_or_404(Session.objects.filter(status__in=VISIBLE), pk=pk)
    return _seated_session(request, pk)


def items_to_vote(session: Session, member: User) -> QuerySet[AgendaItem]:
    """The items `member` may still vote on; the same rule as services.has_voted_on_everything."""
    return (
        session.items.exclude(application__status=Application.Status.WITHDRAWN)
        .exclude(Exists(Recusal.objects.filter(item=OuterRef("pk"), user=member)))
        .exclude(Exists(Ballot.objects.filter(item=OuterRef("pk"), member=member)))
    )


# --- The member's sessions ---------------------------------------------------------------------


@assembly_member_required
def assembly_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    sessions = Session.objects.filter(status__in=VISIBLE, seats__user=request.user)
    published = list(sessions.filter(status=Session.Status.PUBLISHED).order_by("closes_at"))
    closed = sessions.filter(status=Session.Status.CLOSED).order_by("-closes_at")
    open_rows = [(session, items_to_vote(session, request.user).count()) for session in published]
    return render(request, "assemblee/assembly/home.html", {"open_rows": open_rows, "closed": closed})


@assembly_member_required
def assembly_session(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _seated_session(request, pk)
    items = session.items.select_related("application__organisation__commune").order_by("position", "pk")
    ballots = {b.item_id: b for b in Ballot.objects.filter(item__session=session, member=request.user)}
    recusals = {r.item_id: r for r in Recusal.objects.filter(item__session=session, user=request.user)}
    rows = [(item, ballots.get(item.pk), recusals.get(item.pk)) for item in items]
    to_vote = items_to_vote(session, request.user).count()
    context = {"session": session, "rows": rows, "to_vote": to_vote, "now": timezone.now()}
    return render(request, "assemblee/assembly/session.html", context)


# --- One item: the dossier, the ballot, a conflict of interest --------------------------------


@assembly_member_required
def assembly_item(request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    session = _seated_session(request, pk)
    item = get_object_or_404(session.items.select_related("application__organisation"), pk=item_pk)
    ballot = item.ballots.filter(member=request.user).first()
    ballot_form = BallotForm(initial={"choice": ballot.choice, "comment": ballot.comment} if ballot else None)
    conflict_form = ConflictForm()
    if request.method == "POST" and request.POST.get("action") == "conflict":
        conflict_form = ConflictForm(request.POST)
        if _declare_conflict(request, item, conflict_form):
            return redirect("assembly_item", session.pk, item.pk)
    elif request.method == "POST":
        ballot_form = BallotForm(request.POST)
        if _cast_ballot(request, item, ballot_form):
            return redirect("assembly_item", session.pk, item.pk)
    context = _dossier(item)
    context.update(
        session=session, item=item, ballot=ballot, ballot_form=ballot_form, conflict_form=conflict_form,
        recusal=item.recusals.filter(user=request.user).first(), now=timezone.now(),
    )  # fmt: skip
    return render(request, "assemblee/assembly/item.html", context)


def _refusal(error: ValidationError | PermissionDenied) -> ValidationError:
    if isinstance(error, ValidationError):
        return error
    return ValidationError(str(error) or _("Vous ne siégez pas à cette séance."))


def _cast_ballot(request: AuthenticatedHttpRequest, item: AgendaItem, form: BallotForm) -> bool:
    if not form.is_valid():
        return False
    choice, comment = form.cleaned_data["choice"], form.cleaned_data["comment"]
    try:
        ballot = services.cast_ballot(item, request.user, choice, comment)
    except (ValidationError, PermissionDenied) as error:
        form.add_error(None, _refusal(error))
        return False
    messages.success(
        request, _("Votre vote est enregistré : %(choice)s.") % {"choice": ballot.get_choice_display()}
    )
    return True


def _declare_conflict(request: AuthenticatedHttpRequest, item: AgendaItem, form: ConflictForm) -> bool:
    if not form.is_valid():
        return False
    try:
        services.declare_conflict(item, request.user, form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as error:
        form.add_error("reason", _refusal(error))
        return False
    messages.success(
        request, _("Votre conflit d'intérêts est enregistré : vous êtes déporté(e) sur ce point.")
    )
    return True


def _dossier(item: AgendaItem) -> dict:
    """What the assembly reads before voting: the profile, the offers, the self-assessment
    with its evidence, the peer reviews and the exchange, the previous application."""
    application = item.application
    organisation = application.organisation
    context = {
        "organisation": organisation,
        "application": application,
        "offers": organisation.offers.select_related("category"),
        "previous": application.previous,
        "previous_item": _last_decision(application.previous),
        "plan": organisation.progress_plans.exclude(status=ProgressPlan.Status.DRAFT)
        .prefetch_related("commitments__criterion")
        .first(),
    }
    assessment = application.assessment
    if assessment is not None:
        context.update(scores_context(assessment))
        context.update(_answers_and_exchange(assessment))
    return context


def _last_decision(application: Application | None) -> AgendaItem | None:
    if application is None:
        return None
    return application.agenda_items.exclude(outcome="").select_related("session").order_by("-pk").first()


def _answers_and_exchange(assessment: Assessment) -> dict:
    """The answers, evidence and peer-review exchange, as the assessment's result page shows them."""
    reviews = assessment.reviews.filter(status=PeerReview.Status.SUBMITTED).select_related("reviewer")
    comments: dict[int, list[ReviewComment]] = {}
    for comment in (
        ReviewComment.objects.filter(review__in=reviews)
        .select_related("review__reviewer")
        .prefetch_related("replies__author")
    ):
        comments.setdefault(comment.criterion_id, []).append(comment)
    evidence: dict[int | None, list[Evidence]] = {}
    for document in assessment.evidence.all():
        evidence.setdefault(document.criterion_id, []).append(document)
    return {"answers": answers_of(assessment), "evidence": evidence, "reviews": reviews, "comments": comments}


# --- After closing: results and minutes --------------------------------------------------------


@assembly_or_staff_required
def assembly_results(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _readable_session(request, pk)
    if not session.is_closed:
        return render(request, "assemblee/assembly/results_pending.html", {"session": session})
    context = minutes_context(session)
    context["is_seated"] = session.seats.filter(user=request.user).exists()
    return render(request, "assemblee/assembly/results.html", context)


@assembly_or_staff_required
def assembly_minutes(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = _readable_session(request, pk)
    if not session.minutes:
        raise Http404
    with session.minutes.open("rb") as stored:
        pdf = stored.read()
    return pdf_response(pdf, _("proces-verbal-seance-%(pk)s.pdf") % {"pk": session.pk})
