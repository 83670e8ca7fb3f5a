"""Regional staff: the queue of applications, completeness, colleges, mandates and sessions."""

from collections.abc import Callable
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assemblee import services
from assemblee.forms import (
    AddToAgendaForm,
    AgendaForm,
    CollegeFormSet,
    MandateForm,
    SendBackForm,
    SessionForm,
)
from assemblee.models import AgendaItem, Application, Choice, College, Mandate, Session
from assemblee.tally import OPTIONS
from referentiel.pdf import scores_context
from solidaire.lib.access import staff_required
from solidaire.lib.http import AuthenticatedHttpRequest
from solidaire.models import AuditEntry

Status = Application.Status


def _posted[M: Model](request: HttpRequest, queryset: QuerySet[M], name: str) -> M:
    """The object of `queryset` whose id the form posted as `name`; 404 for anything else
    (ASCII digits only: "²" is a digit for str.isdigit, not for int)."""
    value = request.POST.get(name, "")
    if not (value.isascii() and value.isdigit()):
        raise Http404
    return get_object_or_404(queryset, pk=value)


def _awaiting_agenda() -> QuerySet[Application]:
    return Application.objects.awaiting_agenda().select_related("organisation").order_by("submitted_at", "pk")


# --- Applications ----------------------------------------------------------------------------


@staff_required
def staff_applications(request: AuthenticatedHttpRequest) -> HttpResponse:
    queue = Application.objects.filter(status=Status.SUBMITTED).select_related("organisation")
    undecided = _awaiting_agenda().filter(status=Status.ON_AGENDA)
    status = request.GET.get("statut", "")
    others = Application.objects.select_related("organisation").order_by("-created_at", "-pk")
    if status in Status.values:
        others = others.filter(status=status)
    context = {
        "queue": queue.order_by("submitted_at", "pk"),  # oldest first
        "undecided": undecided,
        "page": Paginator(others, 50).get_page(request.GET.get("page")),
        "status": status,
        "statuses": Status.choices,
    }
    return render(request, "assemblee/staff/applications.html", context)


@staff_required
def staff_application(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(
        Application.objects.select_related(
            "organisation__commune", "organisation__legal_form", "organisation__sector"
        ),
        pk=pk,
    )
    action = request.POST.get("action") if request.method == "POST" else None
    send_back_form = SendBackForm(request.POST if action == "send_back" else None, prefix="renvoi")
    agenda_form = AgendaForm(request.POST if action == "agenda" else None, prefix="odj")
    if (
        action == "send_back"
        and send_back_form.is_valid()
        and _send_back(request, application, send_back_form)
    ):
        return redirect("staff_application", pk)
    if action == "agenda" and agenda_form.is_valid() and _put_on_agenda(request, application, agenda_form):
        return redirect("staff_application", pk)
    context = _file_context(application)
    context.update(send_back_form=send_back_form, agenda_form=agenda_form)
    return render(request, "assemblee/staff/application.html", context)


def _send_back(request: AuthenticatedHttpRequest, application: Application, form: SendBackForm) -> bool:
    try:
        services.send_back(application, by=request.user, message=form.cleaned_data["message"])
    except ValidationError as error:
        form.add_error("message", error)
        return False
    messages.success(request, _("La candidature est renvoyée à l'organisation avec votre message."))
    return True


def _put_on_agenda(request: AuthenticatedHttpRequest, application: Application, form: AgendaForm) -> bool:
    session = form.cleaned_data["session"]
    try:
        services.put_on_agenda(application, session, by=request.user)
    except ValidationError as error:
        form.add_error("session", error)
        return False
    messages.success(
        request,
        _("La candidature est inscrite à l'ordre du jour de « %(title)s ».") % {"title": session.title},
    )
    return True


def _file_context(application: Application) -> dict:
    """The whole file: organisation, offers, self-assessment, evidence, reviews, agenda."""
    organisation = application.organisation
    assessment = services.assessment_for(application)
    context = scores_context(assessment) if assessment else {}
    context.update(
        application=application,
        organisation=organisation,
        assessment=assessment,
        offers=organisation.offers.select_related("category"),
        evidence=assessment.evidence.select_related("criterion") if assessment else [],
        reviews=assessment.reviews.select_related("reviewer") if assessment else [],
        agenda_items=application.agenda_items.select_related("session").order_by("-session__opens_at"),
        may_put_on_agenda=services.needs_agenda(application),
    )
    return context


# --- Colleges and mandates -------------------------------------------------------------------


@staff_required
def staff_colleges(request: AuthenticatedHttpRequest) -> HttpResponse:
    formset = CollegeFormSet(request.POST or None, queryset=College.objects.all())
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            colleges = formset.save(commit=False)
            for college in formset.deleted_objects:
                AuditEntry.record(request.user, "college.delete", college)
                college.delete()
            for college in colleges:
                college.save()
                AuditEntry.record(request.user, "college.save", college, weight=str(college.weight))
        messages.success(request, _("Les collèges sont enregistrés."))
        return redirect("staff_colleges")
    return render(request, "assemblee/staff/colleges.html", {"formset": formset})


@staff_required
def staff_mandates(request: AuthenticatedHttpRequest) -> HttpResponse:
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "end":
        return _end_mandate(request)
    form = MandateForm(request.POST if action == "add" else None)
    if action == "add" and form.is_valid():
        mandate = form.save()
        AuditEntry.record(request.user, "mandate.create", mandate, college=mandate.college.code)
        messages.success(request, _("Le mandat de %(user)s est enregistré.") % {"user": mandate.user})
        return redirect("staff_mandates")
    today = timezone.localdate()
    mandates = Mandate.objects.select_related("user", "college")
    context = {
        "form": form,
        "current": mandates.current(),
        "future": mandates.filter(starts_on__gt=today).order_by("starts_on"),
        "past": mandates.filter(ends_on__lt=today).order_by("-ends_on")[:200],
    }
    return render(request, "assemblee/staff/mandates.html", context)


def _end_mandate(request: AuthenticatedHttpRequest) -> HttpResponse:
    mandate = _posted(request, Mandate.objects.select_related("user", "college"), "mandate")
    today = timezone.localdate()
    if mandate.ends_on < today:
        messages.error(request, _("Ce mandat est déjà terminé."))
    elif mandate.starts_on > today:  # never began: nothing to keep
        AuditEntry.record(request.user, "mandate.cancel", mandate, college=mandate.college.code)
        mandate.delete()
        messages.success(
            request,
            _("Le mandat de %(user)s, qui n'avait pas commencé, est annulé.") % {"user": mandate.user},
        )
    else:
        mandate.ends_on = today
        mandate.save(update_fields=["ends_on"])
        AuditEntry.record(request.user, "mandate.end", mandate, college=mandate.college.code)
        messages.success(request, _("Le mandat de %(user)s prend fin aujourd'hui.") % {"user": mandate.user})
    return redirect("staff_mandates")


# --- Sessions --------------------------------------------------------------------------------


@staff_required
def staff_sessions(request: AuthenticatedHttpRequest) -> HttpResponse:
    sessions = Session.objects.annotate(item_count=Count("items"))
    return render(request, "assemblee/staff/sessions.html", {"sessions": sessions})


@staff_required
def staff_session_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = form.save(commit=False)
        session.created_by = request.user
        session.save()
        AuditEntry.record(request.user, "session.create", session)
        messages.success(
            request,
            _("La séance est créée : inscrivez des candidatures à son ordre du jour, puis publiez-la."),
        )
        return redirect("staff_session", session.pk)
    return render(request, "assemblee/staff/session_form.html", {"form": form})


@staff_required
def staff_session(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(Session, pk=pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action in SESSION_ACTIONS:
        SESSION_ACTIONS[action](request, session)
        return redirect("staff_session", pk)
    editable = session.is_draft
    form = SessionForm(request.POST if action == "save" and editable else None, instance=session)
    add_form = AddToAgendaForm(request.POST if action == "add" else None, applications=_awaiting_agenda())
    if action == "save" and editable and form.is_valid():
        form.save()
        AuditEntry.record(request.user, "session.edit", session, fields=form.changed_data)
        messages.success(request, _("Les modifications sont enregistrées."))
        return redirect("staff_session", pk)
    if action == "add" and add_form.is_valid() and _add_to_agenda(request, session, add_form):
        return redirect("staff_session", pk)
    return render(request, "assemblee/staff/session.html", _session_context(session, form, add_form))


def _add_to_agenda(request: AuthenticatedHttpRequest, session: Session, form: AddToAgendaForm) -> bool:
    application = form.cleaned_data["application"]
    try:
        services.put_on_agenda(application, session, by=request.user)
    except ValidationError as error:
        form.add_error("application", error)
        return False
    messages.success(
        request, _("« %(name)s » est inscrite à l'ordre du jour.") % {"name": application.organisation}
    )
    return True


def _publish(request: AuthenticatedHttpRequest, session: Session) -> None:
    try:
        session = services.publish_session(session, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return
    count = session.seats.count()
    messages.success(
        request,
        ngettext(
            "La séance est publiée : %(count)d membre est convoqué par email.",
            "La séance est publiée : %(count)d membres sont convoqués par email.",
            count,
        )
        % {"count": count},
    )


def _close(request: AuthenticatedHttpRequest, session: Session) -> None:
    if services.close_session(session.pk, by=request.user):
        messages.success(request, _("La séance est close : les résultats sont calculés."))
    else:
        messages.error(
            request,
            _("Cette séance ne peut pas être close : elle n'est pas publiée ou son vote n'est pas fini."),
        )


def _remove_item(request: AuthenticatedHttpRequest, session: Session) -> None:
    item = _posted(request, session.items.select_related("application__organisation"), "item")
    try:
        services.remove_from_agenda(item, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        name = item.application.organisation
        messages.success(request, _("« %(name)s » est retirée de l'ordre du jour.") % {"name": name})


SESSION_ACTIONS: dict[str, Callable[[AuthenticatedHttpRequest, Session], None]] = {
    "publish": _publish,
    "close": _close,
    "remove": _remove_item,
}


def _session_context(session: Session, form: SessionForm, add_form: AddToAgendaForm) -> dict:
    items = list(session.items.select_related("application__organisation").order_by("position", "pk"))
    colleges = {college.code: college for college in College.objects.all()} if session.is_closed else {}
    return {
        "session": session,
        "form": form,
        "add_form": add_form,
        "items": items,
        "seats": session.seats.count(),
        "results": [_result(item, colleges) for item in items] if session.is_closed else [],
    }


OPTION_LABELS = {
    "admit": Choice.ADMIT.label,
    "progress_plan": Choice.PROGRESS_PLAN.label,
    "refuse": Choice.REFUSE.label,
}


def _result(item: AgendaItem, colleges: dict[str, College]) -> dict:
    """The stored tally of an item, as rows the template shows: weighted scores, then each college."""
    tally = item.tally or {}

    def percents(values: dict[str, str]) -> list[Decimal | None]:
        return [Decimal(values[option]) if option in values else None for option in OPTIONS]

    shares = [
        (colleges.get(code, code), percents(values)) for code, values in tally.get("shares", {}).items()
    ]
    return {
        "item": item,
        "options": [OPTION_LABELS[option] for option in OPTIONS],
        "scores": percents(tally.get("scores", {})),
        "shares": shares,
        "tally": tally,
    }
