"""Regional staff: the programmes (dispositifs) and their eligibility rules."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from solidaire.lib.access import staff_required
from solidaire.lib.http import AuthenticatedHttpRequest
from solidaire.models import AuditEntry
from subventions.forms import CriterionRuleFormSet, ProgrammeForm
from subventions.models import Grant, Programme


@staff_required
def staff_programmes(request: AuthenticatedHttpRequest) -> HttpResponse:
    awarded = Q(grants__status__in=Grant.SHOWN_STATUSES)
    programmes = Programme.objects.annotate(
        grant_count=Count("grants", filter=awarded), committed=Sum("grants__amount", filter=awarded)
    ).prefetch_related("indicators")
    return render(request, "subventions/staff/programmes.html", {"programmes": programmes})


@staff_required
def staff_programme_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _programme_page(request, Programme())


@staff_required
def staff_programme_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _programme_page(request, get_object_or_404(Programme, pk=pk))


def _programme_page(request: AuthenticatedHttpRequest, programme: Programme) -> HttpResponse:
    is_new = programme.pk is None
    data = request.POST if request.method == "POST" else None
    form = ProgrammeForm(data, instance=programme)
    rules = CriterionRuleFormSet(data, instance=programme, prefix="regles")
    if data is not None and form.is_valid() and rules.is_valid():
        with transaction.atomic():
            programme = form.save()
            rules.instance = programme
            rules.save()
            AuditEntry.record(
                request.user,
                "programme.create" if is_new else "programme.update",
                programme,
                fields=form.changed_data,
                rules=[[r.criterion.code, str(r.minimum)] for r in programme.criterion_rules.all()],
            )
        messages.success(request, _("Le dispositif « %(name)s » est enregistré.") % {"name": programme.name})
        return redirect("staff_programmes")
    context = {"form": form, "rules": rules, "programme": None if is_new else programme}
    return render(request, "subventions/staff/programme_form.html", context)
