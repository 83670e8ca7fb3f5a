"""Regional staff: the Region's equity stakes in SCICs."""

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from solidaire.lib.access import staff_required
from solidaire.lib.http import AuthenticatedHttpRequest
from solidaire.models import AuditEntry
from subventions.forms import EquityStakeForm
from subventions.models import EquityStake


@staff_required
def staff_stakes(request: AuthenticatedHttpRequest) -> HttpResponse:
    stakes = EquityStake.objects.select_related("organisation")
    return render(request, "subventions/staff/stakes.html", {"stakes": stakes})


@staff_required
def staff_stake_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = EquityStakeForm(request.POST or None)
    form.required_css_class = "required"  # the asterisk of the fields to fill
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            stake = form.save()
            AuditEntry.record(
                request.user,
                "stake.create",
                stake,
                share=str(stake.share),
                acquired_on=str(stake.acquired_on),
            )
        messages.success(request, _("La participation au capital de %(name)s est enregistrée.") % {
            "name": stake.organisation.name
        })  # fmt: skip
        return redirect("staff_stakes")
    return render(request, "subventions/staff/stake_form.html", {"form": form})
