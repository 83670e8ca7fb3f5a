from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from referentiel import services
from referentiel.access import eligible_reviewers, get_readable_assessment, is_member
from referentiel.forms import (
    AssignReviewerForm,
    CommitmentForm,
    CommitmentUpdateForm,
    CriterionForm,
    DomainAnswersForm,
    DomainThresholdFormSet,
    ReplyForm,
    ReviewForm,
    ThresholdsForm,
)
from referentiel.models import (
    Assessment,
    Criterion,
    Evidence,
    PeerReview,
    ProgressPlan,
    Referentiel,
    ReviewComment,
)
from referentiel.pdf import report_pdf, scores_context
from solidaire.lib.access import get_organisation_for_user, staff_required
from solidaire.lib.http import AuthenticatedHttpRequest
from solidaire.lib.pdf import pdf_response
from solidaire.models import Organisation, User


def _posted_id(request: HttpRequest, name: str) -> str:
    """The id a form posted as `name`; 404 for anything but ASCII digits ("²" is a digit
    for str.isdigit, not for int)."""
    value = request.POST.get(name, "")
    if not (value.isascii() and value.isdigit()):
        raise Http404
    return value


# --- Self-assessment (the organisation's members) -------------------------------------------


def _draft_for(request: AuthenticatedHttpRequest, slug: str, pk: int) -> tuple[Organisation, Assessment]:
    organisation, _membership = get_organisation_for_user(request, slug)
    assessment = get_object_or_404(organisation.assessments.select_related("referentiel"), pk=pk)
    return organisation, assessment


@login_required
def assessment_home(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organisation, _membership = get_organisation_for_user(request, slug)
    if request.method == "POST":
        try:
            assessment = services.start_assessment(organisation, by=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("assessment_home", slug)
        return redirect("assessment_domain", slug, assessment.pk, assessment.current_position)
    assessments = organisation.assessments.select_related("referentiel")
    return render(
        request,
        "referentiel/assessment_home.html",
        {"organisation": organisation, "assessments": assessments},
    )


@login_required
def assessment_domain(request: AuthenticatedHttpRequest, slug: str, pk: int, position: int) -> HttpResponse:
    organisation, assessment = _draft_for(request, slug, pk)
    if not assessment.is_draft:
        return redirect("assessment_result", assessment.pk)
    domains = services.domains_of(assessment)
    if not 1 <= position <= len(domains):
        raise Http404
    domain = domains[position - 1]
    answers = services.answers_of(assessment)
    form = DomainAnswersForm(request.POST or None, request.FILES or None, domain=domain, answers=answers)
    if request.method == "POST" and form.is_valid():
        destination = _destination(request.POST.get("go"), position, len(domains))
        with transaction.atomic():
            services.save_answers(assessment, domain, form.values(), by=request.user)
            for criterion, document in form.uploads():
                services.add_evidence(assessment, criterion, document, by=request.user)
            # Where "Reprendre" leads next time.
            Assessment.objects.filter(pk=assessment.pk).update(
                current_position=min(destination, len(domains))
            )
        messages.success(request, _("Vos réponses sont enregistrées."))
        if destination > len(domains):
            return redirect("assessment_summary", slug, assessment.pk)
        return redirect("assessment_domain", slug, assessment.pk, destination)
    context = {
        "organisation": organisation,
        "assessment": assessment,
        "domain": domain,
        "domains": domains,
        "position": position,
        "total": len(domains),
        "form": form,
        "evidence": _evidence_by_criterion(assessment),
    }
    return render(request, "referentiel/assessment_domain.html", context)


def _destination(go: str | None, position: int, total: int) -> int:
    """The page after saving: the previous or next domain, or this one; total + 1 is the summary."""
    if go == "previous":
        return max(position - 1, 1)
    if go == "next":
        return position + 1
    return position


def _evidence_by_criterion(assessment: Assessment) -> dict[int | None, list[Evidence]]:
    grouped: dict[int | None, list[Evidence]] = {}
    for evidence in assessment.evidence.all():
        grouped.setdefault(evidence.criterion_id, []).append(evidence)
    return grouped


@login_required
def assessment_summary(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    _organisation, assessment = _draft_for(request, slug, pk)
    if not assessment.is_draft:
        return redirect("assessment_result", assessment.pk)
    if request.method == "POST":
        try:
            services.complete_assessment(assessment, by=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("Votre auto-évaluation est terminée."))
            return redirect("assessment_result", assessment.pk)
    context = scores_context(assessment)
    context.update(missing=services.missing_items(assessment), total=len(context["domains"]))
    return render(request, "referentiel/assessment_summary.html", context)


@login_required
@require_POST
def evidence_delete(request: AuthenticatedHttpRequest, slug: str, pk: int, evidence_pk: int) -> HttpResponse:
    _organisation, assessment = _draft_for(request, slug, pk)
    evidence = get_object_or_404(assessment.evidence.select_related("criterion__domain"), pk=evidence_pk)
    try:
        services.delete_evidence(evidence)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, _("La preuve « %(name)s » est supprimée.") % {"name": evidence.original_name}
        )
    domain_ids = [d.pk for d in services.domains_of(assessment)]
    page = domain_ids.index(evidence.criterion.domain_id) + 1 if evidence.criterion else 1
    return redirect("assessment_domain", slug, assessment.pk, page)


# --- Reading an assessment (members, reviewers, assembly, staff) -----------------------------


@login_required
def assessment_result(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_readable_assessment(request, pk)
    member = is_member(request.user, assessment.organisation)
    reviews = assessment.reviews.filter(status=PeerReview.Status.SUBMITTED).select_related("reviewer")
    comments = (
        ReviewComment.objects.filter(review__in=reviews)
        .select_related("review__reviewer")
        .prefetch_related("replies__author")
    )
    by_criterion: dict[int, list[ReviewComment]] = {}
    for comment in comments:
        by_criterion.setdefault(comment.criterion_id, []).append(comment)
    context = scores_context(assessment)
    context.update(
        answers=services.answers_of(assessment),
        evidence=_evidence_by_criterion(assessment),
        reviews=reviews,
        comments=by_criterion,
        is_member=member,
    )
    return render(request, "referentiel/assessment_result.html", context)


@login_required
def assessment_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_readable_assessment(request, pk)
    if assessment.is_draft:
        raise Http404
    pdf = report_pdf(assessment, translation.get_language())
    filename = _("auto-evaluation-%(slug)s.pdf") % {"slug": assessment.organisation.slug}
    return pdf_response(pdf, filename)


@login_required
def evidence_download(request: AuthenticatedHttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    assessment = get_readable_assessment(request, pk)
    evidence = get_object_or_404(assessment.evidence, pk=evidence_pk)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def review_reply(request: AuthenticatedHttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    assessment = get_readable_assessment(request, pk)
    comment = get_object_or_404(ReviewComment.objects.filter(review__assessment=assessment), pk=comment_pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.reply_to_comment(comment, form.cleaned_data["text"], by=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("Votre réponse est publiée."))
    else:
        messages.error(request, _("Écrivez une réponse avant de l'envoyer."))
    return redirect(f"{assessment_url(assessment)}#commentaire-{comment.pk}")


def assessment_url(assessment: Assessment) -> str:
    from django.urls import reverse

    return reverse("assessment_result", args=[assessment.pk])


# --- Peer review (the reviewers) ----------------------------------------------------------


@login_required
def review_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    reviews = request.user.peer_reviews.select_related("assessment__organisation").order_by(
        "status", "-assigned_at"
    )
    return render(request, "referentiel/review_list.html", {"reviews": reviews})


@login_required
def review_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(
        PeerReview.objects.select_related("assessment__organisation", "assessment__referentiel"),
        pk=pk,
        reviewer=request.user,
    )
    assessment = review.assessment
    domains = services.domains_of(assessment)
    criteria = [c for d in domains for c in d.criteria.all()]
    form = ReviewForm(request.POST or None, review=review, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("go") == "submit"
        try:
            services.save_review(review, form.opinions(), form.cleaned_data["summary"], submit=submit)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(
                request, _("Votre relecture est rendue.") if submit else _("Votre relecture est enregistrée.")
            )
            return redirect("review_detail", review.pk)
    context = {
        "review": review,
        "assessment": assessment,
        "organisation": assessment.organisation,
        "domains": domains,
        "answers": services.answers_of(assessment),
        "evidence": _evidence_by_criterion(assessment),
        "form": form,
        "readonly": review.is_submitted,
    }
    return render(request, "referentiel/review_detail.html", context)


# --- Démarche de progrès (the organisation) ------------------------------------------------


@login_required
def progress_plan(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organisation, _membership = get_organisation_for_user(request, slug)
    plan = organisation.progress_plans.exclude(status=ProgressPlan.Status.DRAFT).first()
    refused = None  # a refused update, shown again with its errors
    if request.method == "POST" and plan:
        commitment = get_object_or_404(plan.commitments, pk=_posted_id(request, "commitment"))
        form = CommitmentUpdateForm(request.POST, instance=commitment, prefix=f"c{commitment.pk}")
        if form.is_valid():
            try:
                services.update_commitment(
                    commitment,
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
            except ValidationError as error:
                messages.error(request, error.messages[0])
            else:
                messages.success(request, _("L'engagement est mis à jour."))
            return redirect("progress_plan", slug)
        refused = form
    commitments = []
    if plan:
        for commitment in plan.commitments.select_related("criterion").prefetch_related("notes__author"):
            if refused is not None and refused.instance.pk == commitment.pk:
                form = refused
            else:
                form = CommitmentUpdateForm(instance=commitment, prefix=f"c{commitment.pk}")
            commitments.append((commitment, form))
    context = {"organisation": organisation, "plan": plan, "commitments": commitments}
    return render(request, "referentiel/progress_plan.html", context)


# --- Staff pages ------------------------------------------------------------------------------


@staff_required
def staff_referentiels(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        source = get_object_or_404(Referentiel, version=_posted_id(request, "version"))
        try:
            if request.POST.get("action") == "publish":
                services.publish(source, by=request.user)
                messages.success(request, _("La version %(v)s est publiée.") % {"v": source.version})
            else:
                copy = services.new_version(source, by=request.user)
                messages.success(request, _("La version %(v)s est créée en brouillon.") % {"v": copy.version})
                return redirect("staff_referentiel", copy.version)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        return redirect("staff_referentiels")
    versions = Referentiel.objects.all()
    return render(request, "referentiel/staff/referentiels.html", {"versions": versions})


@staff_required
def staff_referentiel(request: AuthenticatedHttpRequest, version: int) -> HttpResponse:
    referentiel = get_object_or_404(Referentiel, version=version)
    editable = not referentiel.is_published
    data = request.POST if request.method == "POST" and editable else None
    form = ThresholdsForm(data, instance=referentiel)
    formset = DomainThresholdFormSet(data, queryset=referentiel.domains.all())
    if data is not None and form.is_valid() and formset.is_valid():
        with transaction.atomic():
            form.save()
            formset.save()
        messages.success(request, _("Les seuils sont enregistrés."))
        return redirect("staff_referentiel", version)
    domains = referentiel.domains.prefetch_related("criteria")
    context = {
        "referentiel": referentiel,
        "form": form,
        "formset": formset,
        "domains": domains,
        "editable": editable,
    }
    return render(request, "referentiel/staff/referentiel.html", context)


@staff_required
def staff_criterion(request: AuthenticatedHttpRequest, version: int, pk: int) -> HttpResponse:
    criterion = get_object_or_404(Criterion.objects.select_related("domain__referentiel"), pk=pk)
    referentiel = criterion.domain.referentiel
    if referentiel.version != version:
        raise Http404
    form = CriterionForm(request.POST or None, instance=criterion)
    if referentiel.is_published:
        form = CriterionForm(instance=criterion)
        for field in form.fields.values():
            field.disabled = True
    elif request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Le critère est enregistré."))
        return redirect("staff_referentiel", version)
    return render(request, "referentiel/staff/criterion.html", {"criterion": criterion, "form": form})


@staff_required
def staff_assessments(request: AuthenticatedHttpRequest) -> HttpResponse:
    assessments = (
        Assessment.objects.filter(status=Assessment.Status.COMPLETED)
        .select_related("organisation", "referentiel")
        .prefetch_related("reviews__reviewer")
        .order_by("-completed_at")
    )
    return render(request, "referentiel/staff/assessments.html", {"assessments": assessments})


@staff_required
def staff_assign_reviewers(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(Assessment.objects.select_related("organisation"), pk=pk)
    form = AssignReviewerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reviewer = User.objects.filter(email__iexact=form.cleaned_data["email"], is_active=True).first()
        try:
            if reviewer is None:
                raise ValidationError(_("Aucun compte n'utilise cette adresse."))
            services.assign_reviewer(assessment, reviewer, by=request.user)
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(request, _("%(name)s relira cette auto-évaluation.") % {"name": reviewer})
            return redirect("staff_assign_reviewers", pk)
    context = {
        "assessment": assessment,
        "form": form,
        "reviews": assessment.reviews.select_related("reviewer"),
        "eligible": eligible_reviewers(assessment)[:200],
    }
    return render(request, "referentiel/staff/assign_reviewers.html", context)


@staff_required
def staff_progress_plan(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    plan = organisation.progress_plans.first()
    referentiel = (
        plan.assessment.referentiel if plan and plan.assessment else None
    ) or Referentiel.objects.current()
    form = CommitmentForm(request.POST or None, referentiel=referentiel)
    if request.method == "POST":
        # "do", not "action": the commitment form has a field named action.
        action = request.POST.get("do")
        try:
            if action == "create":
                services.open_progress_plan(
                    organisation, by=request.user, origin=ProgressPlan.Origin.STAFF,
                    assessment=organisation.assessments.filter(status=Assessment.Status.COMPLETED).first(),
                )  # fmt: skip
                return redirect("staff_progress_plan", slug)
            if action == "start" and plan:
                services.start_plan(plan, by=request.user)
                messages.success(request, _("La démarche est transmise à l'organisation."))
                return redirect("staff_progress_plan", slug)
            if action == "add" and plan and form.is_valid():
                services.add_commitment(plan, **form.cleaned_data)
                messages.success(request, _("L'engagement est ajouté."))
                return redirect("staff_progress_plan", slug)
        except ValidationError as error:
            messages.error(request, error.messages[0])
    commitments = plan.commitments.select_related("criterion").prefetch_related("reminders") if plan else []
    context = {"organisation": organisation, "plan": plan, "form": form, "commitments": commitments}
    return render(request, "referentiel/staff/progress_plan.html", context)
