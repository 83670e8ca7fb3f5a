"""The organisation's application, in five steps that save as drafts (DESIGN §5, journey 1)."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assemblee import services
from assemblee.forms import EvidenceForm
from assemblee.models import AgendaItem, Application
from referentiel import services as referentiel_services
from referentiel.models import Assessment, Criterion, Evidence
from referentiel.pdf import scores_context
from solidaire.forms import OfferForm, OrganisationForm
from solidaire.lib.access import get_organisation_for_user
from solidaire.lib.http import AuthenticatedHttpRequest
from solidaire.lib.pdf import pdf_response
from solidaire.models import AuditEntry, Organisation
from solidaire.tasks import geocode_organisation

STEPS = (
    (1, gettext_lazy("Organisation")),
    (2, gettext_lazy("Offres")),
    (3, gettext_lazy("Auto-évaluation")),
    (4, gettext_lazy("Preuves")),
    (5, gettext_lazy("Vérification et envoi")),
)

StepView = Callable[[AuthenticatedHttpRequest, Organisation, Application, int], HttpResponse]


def _member_application(
    request: AuthenticatedHttpRequest, slug: str
) -> tuple[Organisation, Application | None]:
    """The organisation (404 for non-members) and its application in progress, if any."""
    organisation, _membership = get_organisation_for_user(request, slug)
    application = services.open_application(organisation)
    if application:
        application.organisation = organisation  # one instance: the form saves what the summary reads
    return organisation, application


@login_required
def application_home(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organisation, current = _member_application(request, slug)
    if request.method == "POST":
        try:
            application = services.start_application(organisation, by=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("application_home", slug)
        return redirect("application_step", slug, application.current_step)
    items = AgendaItem.objects.select_related("session").order_by("-session__opens_at")
    applications = organisation.applications.prefetch_related(Prefetch("agenda_items", queryset=items))
    context = {"organisation": organisation, "applications": applications, "current": current, "steps": STEPS}
    return render(request, "assemblee/application/home.html", context)


@login_required
def application_step(request: AuthenticatedHttpRequest, slug: str, step: int) -> HttpResponse:
    organisation, application = _member_application(request, slug)
    if step not in STEP_VIEWS:
        raise Http404
    if application is None or not application.is_draft:
        messages.info(
            request,
            _("Aucune candidature n'est en cours de rédaction : une candidature soumise ne se modifie plus."),
        )
        return redirect("application_home", slug)
    if application.current_step != step:  # where "Reprendre" leads next time
        Application.objects.filter(pk=application.pk).update(current_step=step)
        application.current_step = step
    return STEP_VIEWS[step](request, organisation, application, step)


def _render_step(
    request: AuthenticatedHttpRequest, application: Application, step: int, template: str, context: dict
) -> HttpResponse:
    context.update(
        organisation=application.organisation,
        application=application,
        step=step,
        step_title=dict(STEPS)[step],
        steps=STEPS,
        total=len(STEPS),
    )
    return render(request, f"assemblee/application/{template}", context)


def _saved(request: AuthenticatedHttpRequest, organisation: Organisation, step: int) -> HttpResponse:
    """After saving a step: stay on it, or go on with "Enregistrer et continuer"."""
    following = step + 1 if request.POST.get("go") == "next" and step < len(STEPS) else step
    return redirect("application_step", organisation.slug, following)


def _organisation_step(
    request: AuthenticatedHttpRequest, organisation: Organisation, application: Application, step: int
) -> HttpResponse:
    old_address = (organisation.address, organisation.commune_id)
    form = OrganisationForm(request.POST or None, request.FILES or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        # The rules of solidaire.views.organisation_edit: audit, and geocode a new address.
        with transaction.atomic():
            organisation = form.save()
            AuditEntry.record(request.user, "organisation.edit", organisation, fields=form.changed_data)
            if (organisation.address, organisation.commune_id) != old_address:
                geocode_organisation.delay_on_commit(organisation.pk)
        messages.success(request, _("Les modifications sont enregistrées."))
        return _saved(request, organisation, step)
    return _render_step(request, application, step, "step_organisation.html", {"form": form})


def _offers_step(
    request: AuthenticatedHttpRequest, organisation: Organisation, application: Application, step: int
) -> HttpResponse:
    form = OfferForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        offer = form.save(commit=False)
        offer.organisation = organisation
        offer.save()
        messages.success(request, _("L'offre « %(name)s » est ajoutée.") % {"name": offer.name})
        return redirect("application_step", organisation.slug, step)
    offers = organisation.offers.select_related("category")
    return _render_step(request, application, step, "step_offers.html", {"form": form, "offers": offers})


def _assessment_step(
    request: AuthenticatedHttpRequest, organisation: Organisation, application: Application, step: int
) -> HttpResponse:
    assessment = services.assessment_for(application)
    missing = referentiel_services.missing_items(assessment) if assessment and assessment.is_draft else []
    answers = [item for item in missing if item["what"] == "answer"]
    context = {
        "assessment": assessment,
        "missing_answers": answers,
        "missing_evidence": len(missing) - len(answers),
    }
    return _render_step(request, application, step, "step_assessment.html", context)


def _required_evidence(assessment: Assessment) -> list[tuple[int, Criterion, list[Evidence]]]:
    """Each criterion that asks for evidence, with its domain page and the files already there."""
    files: dict[int | None, list[Evidence]] = {}
    for evidence in assessment.evidence.all():
        files.setdefault(evidence.criterion_id, []).append(evidence)
    return [
        (position, criterion, files.get(criterion.pk, []))
        for position, domain in enumerate(referentiel_services.domains_of(assessment), start=1)
        for criterion in domain.criteria.all()
        if criterion.evidence_required
    ]


def _evidence_step(
    request: AuthenticatedHttpRequest, organisation: Organisation, application: Application, step: int
) -> HttpResponse:
    assessment = services.assessment_for(application)
    rows = _required_evidence(assessment) if assessment else []
    missing = [criterion for _position, criterion, files in rows if not files]
    editable = bool(assessment and assessment.is_draft)
    form = EvidenceForm(request.POST or None, request.FILES or None, criteria=missing if editable else [])
    if request.method == "POST" and assessment and editable and form.is_valid():
        try:
            with transaction.atomic():
                for criterion, document in form.uploads():
                    referentiel_services.add_evidence(assessment, criterion, document, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if form.uploads():
                messages.success(request, _("Vos preuves sont enregistrées."))
            return _saved(request, organisation, step)
    context = {"assessment": assessment, "rows": rows, "form": form, "editable": editable}
    return _render_step(request, application, step, "step_evidence.html", context)


def _review_step(
    request: AuthenticatedHttpRequest, organisation: Organisation, application: Application, step: int
) -> HttpResponse:
    if request.method == "POST":
        try:
            services.submit(application, by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("application_step", organisation.slug, step)
        messages.success(
            request, _("Votre candidature est soumise : la Région vérifie qu'elle est complète.")
        )
        return redirect("application_home", organisation.slug)
    assessment = services.assessment_for(application)
    context = scores_context(assessment) if assessment else {}
    context.update(
        assessment=assessment,
        evidence=assessment.evidence.select_related("criterion") if assessment else [],
        checklist=services.checklist(application),
        offers=organisation.offers.select_related("category"),
    )
    return _render_step(request, application, step, "step_review.html", context)


STEP_VIEWS: dict[int, StepView] = {
    1: _organisation_step,
    2: _offers_step,
    3: _assessment_step,
    4: _evidence_step,
    5: _review_step,
}


@login_required
def application_withdraw(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organisation, application = _member_application(request, slug)
    if application is None:
        messages.info(request, _("Votre organisation n'a pas de candidature en cours."))
        return redirect("application_home", slug)
    if request.method == "POST":
        try:
            services.withdraw(application, by=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("Votre candidature est retirée."))
        return redirect("application_home", slug)
    context = {"organisation": organisation, "application": application}
    return render(request, "assemblee/application/withdraw.html", context)


def _certificate_reader(request: AuthenticatedHttpRequest, slug: str) -> Organisation:
    """Staff with their second factor, or the organisation's members; 404 for everyone else."""
    user = request.user
    if user.is_regional_staff and user.has_second_factor:
        return get_object_or_404(Organisation, slug=slug)
    organisation, _membership = get_organisation_for_user(request, slug)
    return organisation


@login_required
def application_certificate(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation = _certificate_reader(request, slug)
    item = (
        AgendaItem.objects.filter(application__organisation=organisation, application_id=pk)
        .filter(outcome=AgendaItem.Outcome.ADMIT)
        .exclude(certificate="")
        .first()
    )
    if item is None:  # no admission, or its certificate is not generated yet
        raise Http404
    try:
        with item.certificate.open("rb") as stored:
            pdf = stored.read()
    except FileNotFoundError:
        raise Http404 from None
    return pdf_response(pdf, _("attestation-%(reference)s.pdf") % {"reference": item.reference})
