from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.static import serve

from solidaire import outbox, services
from solidaire.forms import (
    AccountDeleteForm,
    IdentifiersForm,
    InvitationForm,
    MailRetryForm,
    OfferForm,
    OrganisationForm,
    SuspendForm,
)
from solidaire.lib.access import get_organisation_for_user, staff_required
from solidaire.lib.http import AuthenticatedHttpRequest
from solidaire.models import AuditEntry, Commune, Invitation, Membership, Organisation, OutgoingMail
from solidaire.privacy import blockers, delete_account, export_personal_data
from solidaire.tasks import geocode_organisation


def public_media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Public uploads on the local disk (logos, photos); a proxy may serve /media/ instead."""
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))


def healthz(request: HttpRequest) -> HttpResponse:
    """For the container health check: the process answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def home(request: HttpRequest) -> HttpResponse:
    stats = {"listed": Organisation.objects.listed().count()}
    return render(request, "solidaire/home.html", {"stats": stats})


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "solidaire/privacy.html")


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "solidaire/accessibility.html")


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    memberships = request.user.memberships.select_related("organisation").order_by("organisation__legal_name")
    invitations = Invitation.objects.filter(
        email__iexact=request.user.email, accepted_at=None
    ).select_related("organisation")
    context = {
        "memberships": memberships,
        "invitations": [i for i in invitations if i.is_usable],
    }
    return render(request, "solidaire/dashboard.html", context)


@login_required
def organisation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        organisation = services.create_organisation(form.save(commit=False), by=request.user)
        geocode_organisation.delay_on_commit(organisation.pk)
        messages.success(request, _("L'organisation « %(name)s » est créée.") % {"name": organisation.name})
        return redirect("organisation_detail", organisation.slug)
    return render(request, "solidaire/organisation_form.html", {"form": form})


def _render_detail(
    request: HttpRequest, membership: Membership, invitation_form: InvitationForm, status: int = 200
) -> HttpResponse:
    organisation = membership.organisation
    context = {
        "organisation": organisation,
        "membership": membership,
        "offers": organisation.offers.select_related("category"),
        "members": organisation.memberships.select_related("user").order_by("user__email"),
        "invitations": organisation.invitations.filter(accepted_at=None).order_by("-created_at"),
        "invitation_form": invitation_form,
    }
    return render(request, "solidaire/organisation_detail.html", context, status=status)


@login_required
def organisation_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organisation, membership = get_organisation_for_user(request, slug)
    return _render_detail(request, membership, InvitationForm(organisation=organisation))


@login_required
def organisation_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organisation, _membership = get_organisation_for_user(request, slug)
    old_address = (organisation.address, organisation.commune_id)
    form = OrganisationForm(request.POST or None, request.FILES or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            organisation = form.save()
            AuditEntry.record(request.user, "organisation.edit", organisation, fields=form.changed_data)
            if (organisation.address, organisation.commune_id) != old_address:
                geocode_organisation.delay_on_commit(organisation.pk)
        messages.success(request, _("Les modifications sont enregistrées."))
        return redirect("organisation_detail", organisation.slug)
    return render(request, "solidaire/organisation_form.html", {"form": form, "organisation": organisation})


@login_required
@require_POST
def member_invite(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organisation, membership = get_organisation_for_user(request, slug, admin=True)
    form = InvitationForm(request.POST, organisation=organisation)
    if form.is_valid():
        invitation = services.invite(
            organisation, form.cleaned_data["email"], form.cleaned_data["role"], request.user
        )
        messages.success(
            request, _("Une invitation a été envoyée à %(email)s.") % {"email": invitation.email}
        )
        return redirect("organisation_detail", organisation.slug)
    return _render_detail(request, membership, form)


@login_required
@require_POST
def member_remove(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation, _membership = get_organisation_for_user(request, slug, admin=True)
    target = get_object_or_404(organisation.memberships.select_related("user"), pk=pk)
    try:
        services.remove_member(target, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, _("%(user)s ne fait plus partie de l'organisation.") % {"user": target.user}
        )
    if target.user_id == request.user.id and not Membership.objects.filter(pk=target.pk).exists():
        return redirect("dashboard")
    return redirect("organisation_detail", organisation.slug)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("organisation"), token=token)
    if not invitation.is_usable:
        return render(request, "solidaire/invitation.html", {"invitation": invitation}, status=410)
    if not request.user.is_authenticated:
        # The link proves the address: signing up with it needs no second verification.
        get_adapter(request).stash_verified_email(request, invitation.email)
        return render(request, "solidaire/invitation.html", {"invitation": invitation})
    if request.method == "POST":
        try:
            services.accept_invitation(invitation, request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return render(request, "solidaire/invitation.html", {"invitation": invitation}, status=400)
        messages.success(
            request, _("Vous êtes membre de « %(name)s ».") % {"name": invitation.organisation.name}
        )
        return redirect("organisation_detail", invitation.organisation.slug)
    return render(request, "solidaire/invitation.html", {"invitation": invitation})


@login_required
def offer_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organisation, _membership = get_organisation_for_user(request, slug)
    form = OfferForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        offer = form.save(commit=False)
        offer.organisation = organisation
        offer.save()
        messages.success(request, _("L'offre « %(name)s » est ajoutée.") % {"name": offer.name})
        return redirect("organisation_detail", organisation.slug)
    return render(request, "solidaire/offer_form.html", {"form": form, "organisation": organisation})


@login_required
def offer_edit(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation, _membership = get_organisation_for_user(request, slug)
    offer = get_object_or_404(organisation.offers, pk=pk)
    form = OfferForm(request.POST or None, request.FILES or None, instance=offer)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("L'offre « %(name)s » est enregistrée.") % {"name": offer.name})
        return redirect("organisation_detail", organisation.slug)
    context = {"form": form, "organisation": organisation, "offer": offer}
    return render(request, "solidaire/offer_form.html", context)


@login_required
def offer_delete(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    organisation, _membership = get_organisation_for_user(request, slug)
    offer = get_object_or_404(organisation.offers, pk=pk)
    if request.method == "POST":
        offer.delete()
        messages.success(request, _("L'offre « %(name)s » est supprimée.") % {"name": offer.name})
        return redirect("organisation_detail", organisation.slug)
    return render(
        request, "solidaire/offer_confirm_delete.html", {"organisation": organisation, "offer": offer}
    )


@require_GET
def commune_suggestions(request: HttpRequest) -> JsonResponse:
    communes = Commune.objects.search(request.GET.get("q", "")[:60]).select_related("departement")[:20]
    return JsonResponse({"results": [{"insee": c.insee, "label": str(c)} for c in communes]})


@staff_required
def staff_organisations(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("statut", "")
    organisations = Organisation.objects.select_related("commune", "legal_form").order_by("legal_name")
    if status in Organisation.Status.values:
        organisations = organisations.filter(status=status)
    context = {
        "organisations": organisations,
        "status": status,
        "statuses": Organisation.Status.choices,
        "invalid_sirets": Organisation.objects.with_invalid_siret().order_by("legal_name"),
    }
    return render(request, "solidaire/staff/organisations.html", context)


@staff_required
def staff_organisation(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.select_related("commune"), slug=slug)
    action = request.POST.get("action")
    # A copy: the form writes what was typed into its instance, shown above it if refused.
    identifiers = IdentifiersForm(
        request.POST if action == "identifiers" else None,
        instance=Organisation.objects.get(pk=organisation.pk),
    )
    form = SuspendForm(request.POST if request.method == "POST" and action != "identifiers" else None)
    try:
        if action == "reinstate":
            services.reinstate(organisation, by=request.user)
            messages.success(request, _("Le référencement est rétabli."))
            return redirect("staff_organisation", slug)
        if action == "identifiers" and identifiers.is_valid():
            services.change_identifiers(organisation, request.user, **identifiers.cleaned_data)
            messages.success(request, _("Les identifiants de l'organisation sont enregistrés."))
            return redirect("staff_organisation", slug)
        if form.is_bound and form.is_valid():
            services.suspend(organisation, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("Le référencement est suspendu."))
            return redirect("staff_organisation", slug)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    audit = AuditEntry.objects.filter(target_type__model="organisation", target_id=str(organisation.pk))
    audit = audit.with_names()[:50]
    context = {"organisation": organisation, "form": form, "identifiers": identifiers, "audit": audit}
    return render(request, "solidaire/staff/organisation.html", context)


FAILED_MAIL_SHOWN = 200


@staff_required
def staff_mails(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The emails given up on, with the reason, each with a form to send it again."""
    failed = OutgoingMail.objects.failed().select_related("recipient", "organisation")
    rows = [
        (
            mail,
            MailRetryForm(
                initial={"email": mail.recipient.email if mail.recipient else mail.to},
                auto_id=f"mail-{mail.pk}-%s",
            ),
        )
        for mail in failed.order_by("-failed_at", "-pk")[:FAILED_MAIL_SHOWN]
    ]
    context = {
        "rows": rows,
        "failed": failed.count(),
        "waiting": OutgoingMail.objects.filter(status=OutgoingMail.Status.QUEUED).count(),
    }
    return render(request, "solidaire/staff/mails.html", context)


@staff_required
@require_POST
def staff_mail_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    mail = get_object_or_404(OutgoingMail.objects.retryable(), pk=pk)
    form = MailRetryForm(request.POST)
    if form.is_valid():
        outbox.retry(mail, form.cleaned_data["email"], by=request.user)
        messages.success(request, _("Le courriel est renvoyé à %(email)s.") % {"email": mail.to})
    else:
        messages.error(request, _("Courriel non renvoyé : %(error)s") % {"error": form.errors["email"][0]})
    return redirect("staff_mails")


@login_required
def personal_data(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A person's data: a page that says what is kept, and the JSON download."""
    if request.GET.get("format") == "json":
        data = export_personal_data(request.user)
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = 'attachment; filename="mes-donnees-solidaire.json"'
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "solidaire/personal_data.html")


@login_required
def account_delete(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST or None, user=request.user)
    reasons = blockers(request.user)
    if request.method == "POST" and not reasons and form.is_valid():
        delete_account(request.user)
        logout(request)
        messages.success(request, _("Votre compte est supprimé. Merci d'avoir participé."))
        return redirect("home")
    return render(request, "solidaire/account_delete.html", {"form": form, "blockers": reasons})
