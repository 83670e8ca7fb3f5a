"""Public pages. They only ever show listed organisations."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from solidaire.models import Organisation

PAGE_SIZE = 24


def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = (
        Organisation.objects.listed()
        .select_related("commune", "legal_form", "sector")
        .order_by("usual_name", "legal_name", "pk")
    )
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "vitrine/list.html", {"page": page})


def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(
        Organisation.objects.listed().select_related("commune__departement", "legal_form", "sector"),
        slug=slug,
    )
    offers = organisation.offers.select_related("category")
    return render(request, "vitrine/organisation.html", {"organisation": organisation, "offers": offers})
