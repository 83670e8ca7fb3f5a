from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from referentiel.models import (
    Assessment,
    Commitment,
    CommitmentReminder,
    Criterion,
    Domain,
    Evidence,
    PeerReview,
    ProgressPlan,
    Referentiel,
)


class FrozenWhenPublishedAdmin(admin.ModelAdmin):
    """A published version is read-only here too; staff copy it into a new version."""

    def _published(self, obj: Any) -> bool:  # the model of the subclass
        raise NotImplementedError

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_change_permission(request, obj) and not (obj and self._published(obj))

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj and self._published(obj))


class DomainInline(admin.TabularInline):
    model = Domain
    fields = ["position", "code", "name", "name_en", "min_score"]
    extra = 0
    show_change_link = True


@admin.register(Referentiel)
class ReferentielAdmin(FrozenWhenPublishedAdmin):
    list_display = ["version", "title", "min_overall", "published_at"]
    inlines = [DomainInline]

    def _published(self, obj: Referentiel) -> bool:
        return obj.is_published


class CriterionInline(admin.StackedInline):
    model = Criterion
    extra = 0


@admin.register(Domain)
class DomainAdmin(FrozenWhenPublishedAdmin):
    list_display = ["name", "referentiel", "position", "min_score"]
    list_filter = ["referentiel"]
    inlines = [CriterionInline]

    def _published(self, obj: Domain) -> bool:
        return obj.referentiel.is_published


@admin.register(Criterion)
class CriterionAdmin(FrozenWhenPublishedAdmin):
    list_display = ["code", "domain", "kind", "weight", "meets", "evidence_required"]
    list_filter = ["domain__referentiel", "kind", "evidence_required"]
    search_fields = ["code", "question"]

    def _published(self, obj: Criterion) -> bool:
        return obj.domain.referentiel.is_published


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["organisation", "referentiel", "status", "created_at", "completed_at"]
    list_filter = ["status", "referentiel"]
    raw_id_fields = ["organisation", "created_by"]
    readonly_fields = ["result"]


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["original_name", "assessment", "criterion", "content_type", "size", "uploaded_at"]
    raw_id_fields = ["assessment", "criterion", "uploaded_by"]


@admin.register(PeerReview)
class PeerReviewAdmin(admin.ModelAdmin):
    list_display = ["assessment", "reviewer", "status", "assigned_at", "submitted_at"]
    raw_id_fields = ["assessment", "reviewer", "assigned_by"]


class CommitmentInline(admin.TabularInline):
    model = Commitment
    extra = 0
    raw_id_fields = ["criterion"]


@admin.register(ProgressPlan)
class ProgressPlanAdmin(admin.ModelAdmin):
    list_display = ["organisation", "origin", "status", "created_at"]
    raw_id_fields = ["organisation", "assessment", "created_by"]
    inlines = [CommitmentInline]


@admin.register(CommitmentReminder)
class CommitmentReminderAdmin(admin.ModelAdmin):
    list_display = ["commitment", "kind", "due_at", "sent_at", "skipped", "attempts", "last_error"]
    list_filter = ["kind", "skipped"]
    readonly_fields = ["claimed_at", "sent_at", "attempts", "last_error"]
