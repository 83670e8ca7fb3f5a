"""Regional staff: the grants, drafted, edited, awarded and paid, and their PDFs."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.utils import formats
from django.utils.translation import gettext as _

from solidaire.lib.access import staff_required
from solidaire.lib.http import AuthenticatedHttpRequest
from solidaire.lib.pdf import pdf_response
from solidaire.models import Organisation, User
from subventions import services
from subventions.forms import (
    BaseGrantIndicatorFormSet,
    BaseInstalmentFormSet,
    GrantChoiceForm,
    GrantForm,
    GrantIndicatorFormSet,
    InstalmentFormSet,
)
from subventions.models import Grant, Instalment, Programme
from subventions.pdf import grant_context, render_followup_pdf, render_grant_pdf
from subventions.views.files import pdf_name

Status = Grant.Status


def _posted[M: Model](request: HttpRequest, queryset: QuerySet[M], name: str) -> M:
    """The object of `queryset` whose id the form posted as `name`; 404 for anything else
    (ASCII digits only: "²" is a digit for str.isdigit, not for int)."""
    value = request.POST.get(name, "")
    if not (value.isascii() and value.isdigit()):
        raise Http404
    return get_object_or_404(queryset, pk=value)


@staff_required
def staff_grants(request: AuthenticatedHttpRequest) -> HttpResponse:
    grants = Grant.objects.select_related("organisation", "programme").order_by("-created_at", "-pk")
    status = request.GET.get("statut", "")
    if status in Status.values:
        grants = grants.filter(status=status)
    context = {
        "page": Paginator(grants, 50).get_page(request.GET.get("page")),
        "status": status,
        "statuses": Status.choices,
    }
    return render(request, "subventions/staff/grants.html", context)


def _staff_grant(pk: int) -> Grant:
    return get_object_or_404(Grant.objects.select_related("organisation", "programme"), pk=pk)


@dataclass
class GrantForms:
    """The grant's form and its two formsets, valid together or not at all."""

    grant: GrantForm
    instalments: BaseInstalmentFormSet
    indicators: BaseGrantIndicatorFormSet

    def is_valid(self) -> bool:
        valid = self.grant.is_valid()
        if valid:  # the formsets check the sum of the instalments and the first due dates
            self.instalments.amount = self.grant.cleaned_data["amount"]
            self.indicators.period = (self.grant.cleaned_data["start"], self.grant.cleaned_data["end"])
        return all([valid, self.instalments.is_valid(), self.indicators.is_valid()])

    @property
    def has_errors(self) -> bool:
        return bool(
            self.grant.errors or self.instalments.total_error_count() or self.indicators.total_error_count()
        )


def _grant_forms(
    request: AuthenticatedHttpRequest,
    *,
    initial: dict | None = None,
    instalments: list[dict] | None = None,
    indicators: list[dict] | None = None,
    followed: Iterable[int] = (),
) -> GrantForms:
    data = request.POST if request.method == "POST" else None
    forms = GrantForms(
        GrantForm(data, initial=initial),
        InstalmentFormSet(data, initial=instalments, prefix="versements"),
        GrantIndicatorFormSet(data, initial=indicators, prefix="indicateurs"),
    )
    forms.indicators.followed = frozenset(followed)
    return forms


def _add_indicators(grant: Grant, rows: list[dict], user: User) -> None:
    for row in rows:
        indicator = row.pop("indicator")
        services.add_grant_indicator(grant, indicator, by=user, **row)


@staff_required
def staff_grant_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Step 1 chooses the organisation and the programme (a GET form); step 2 shows the
    eligibility, every unmet rule in words, and the grant's form."""
    choice = GrantChoiceForm(request.GET or None)
    if not choice.is_valid() or "changer" in request.GET:
        return render(request, "subventions/staff/grant_choose.html", {"choice": choice})
    organisation, programme = choice.cleaned_data["organisation"], choice.cleaned_data["dispositif"]
    forms = _grant_forms(request, indicators=[{"indicator": i.pk} for i in programme.indicators.all()])
    if request.method == "POST" and forms.is_valid():
        grant = _draft(request, organisation, programme, forms)
        if grant:
            messages.success(request, _("La subvention est enregistrée en préparation."))
            return redirect("staff_grant", grant.pk)
    context = {
        "organisation": organisation,
        "programme": programme,
        "eligibility": services.check_eligibility(programme, organisation),
        "forms": forms,
    }
    return render(request, "subventions/staff/grant_form.html", context)


def _draft(
    request: AuthenticatedHttpRequest, organisation: Organisation, programme: Programme, forms: GrantForms
) -> Grant | None:
    try:
        with transaction.atomic():
            grant = services.draft_grant(organisation, programme, by=request.user, **forms.grant.cleaned_data)
            services.set_instalments(grant, forms.instalments.planned(), by=request.user)
            _add_indicators(grant, forms.indicators.rows(), request.user)
    except ValidationError as error:
        forms.grant.add_error(None, error.messages)
        return None
    return grant


@staff_required
def staff_grant_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    grant = _staff_grant(pk)
    if not grant.is_draft:
        messages.error(request, _("Une subvention attribuée ne se modifie plus."))
        return redirect("staff_grant", grant.pk)
    planned = list(grant.instalments.values_list("planned_on", "amount"))
    followed = list(grant.indicators.select_related("indicator"))
    forms = _grant_forms(
        request,
        initial={name: getattr(grant, name) for name in GrantForm.Meta.fields},
        instalments=[{"planned_on": day, "amount": amount} for day, amount in planned],
        followed=[item.indicator_id for item in followed],
    )
    if request.method == "POST" and forms.is_valid() and _update(request, grant, planned, forms):
        messages.success(request, _("Les modifications sont enregistrées."))
        return redirect("staff_grant", grant.pk)
    context = {
        "grant": grant,
        "organisation": grant.organisation,
        "programme": grant.programme,
        "eligibility": services.check_eligibility(grant.programme, grant.organisation),
        "followed": followed,
        "forms": forms,
    }
    return render(request, "subventions/staff/grant_form.html", context)


def _update(request: AuthenticatedHttpRequest, grant: Grant, planned: list, forms: GrantForms) -> bool:
    try:
        with transaction.atomic():
            services.update_grant(grant, by=request.user, **forms.grant.cleaned_data)
            if sorted(forms.instalments.planned()) != sorted(planned):
                services.set_instalments(grant, forms.instalments.planned(), by=request.user)
            _add_indicators(grant, forms.indicators.rows(), request.user)
    except ValidationError as error:
        grant.refresh_from_db()
        forms.grant.add_error(None, error.messages)
        return False
    return True


@staff_required
def staff_grant(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The grant; while it is a draft, what prevents awarding it and the award button,
    which refuses with every reason."""
    grant = _staff_grant(pk)
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "pay":
        return _pay(request, grant)
    refused: list[str] = []
    if action == "award":
        try:
            services.award_grant(grant, by=request.user)
        except ValidationError as error:
            refused = error.messages
        else:
            messages.success(request, _("La subvention est attribuée : le calendrier des rapports est créé."))
            return redirect("staff_grant", grant.pk)
    context = grant_context(grant)
    context.update(
        refused=refused,
        problems=services.award_problems(grant) if grant.is_draft else [],
        to_review=[
            report for item in context["indicators"] for report in item.reports if report.awaits_review
        ],
    )
    return render(request, "subventions/staff/grant.html", context)


def _pay(request: AuthenticatedHttpRequest, grant: Grant) -> HttpResponse:
    instalment: Instalment = _posted(request, grant.instalments.all(), "instalment")
    try:
        services.pay_instalment(instalment, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Le versement de %(amount)s € prévu le %(date)s est enregistré comme payé.")
            % {
                "amount": floatformat(instalment.amount, "-2g"),
                "date": formats.date_format(instalment.planned_on, "j F Y"),
            },
        )
    return redirect("staff_grant", grant.pk)


@staff_required
def staff_grant_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    grant = _staff_grant(pk)
    return pdf_response(render_grant_pdf(grant), pdf_name(_("subvention"), grant))


@staff_required
def staff_grant_followup_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    grant = _staff_grant(pk)
    return pdf_response(render_followup_pdf(grant), pdf_name(_("suivi"), grant))
