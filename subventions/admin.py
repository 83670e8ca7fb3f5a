from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from subventions.forms import EquityStakeForm
from subventions.models import (
    CriterionRule,
    EquityStake,
    Grant,
    GrantIndicator,
    Indicator,
    Instalment,
    Programme,
    Report,
    ReportReminder,
)


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "unit", "direction", "cumulative", "criterion"]
    list_filter = ["direction", "cumulative"]
    search_fields = ["name", "code"]
    raw_id_fields = ["criterion"]


class CriterionRuleInline(admin.TabularInline):
    model = CriterionRule
    raw_id_fields = ["criterion"]
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "budget", "status_rule", "min_overall"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["indicators"]
    inlines = [CriterionRuleInline]


class InstalmentInline(admin.TabularInline):
    model = Instalment
    extra = 0


class GrantIndicatorInline(admin.TabularInline):
    model = GrantIndicator
    extra = 0


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    """For inspection and repairs: staff change grants through the services, which check
    eligibility, create the reports and write the audit trail."""

    list_display = ["organisation", "programme", "amount", "status", "convention_date", "start", "end"]
    list_filter = ["status", "programme", "nature"]
    search_fields = ["organisation__legal_name", "organisation__usual_name", "decision_reference"]
    raw_id_fields = ["organisation", "created_by"]
    readonly_fields = ["status", "awarded_at", *Grant.BENEFICIARY_FIELDS]
    date_hierarchy = "convention_date"
    inlines = [InstalmentInline, GrantIndicatorInline]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organisation", "due_date", "state", "value"]
    list_filter = ["status", "grant_indicator__indicator"]
    search_fields = ["grant_indicator__grant__organisation__legal_name"]
    date_hierarchy = "due_date"
    list_select_related = ["grant_indicator__indicator", "grant_indicator__grant__organisation"]
    readonly_fields = ["grant_indicator", "period_start", "period_end", "due_date", "status",
                       "submitted_at", "submitted_by", "reviewed_at", "reviewed_by"]  # fmt: skip

    @admin.display(description=_("organisation"))
    def organisation(self, report: Report) -> str:
        return report.grant_indicator.grant.organisation.name

    @admin.display(description=_("état"))
    def state(self, report: Report) -> str:
        return report.get_state_display()


@admin.register(ReportReminder)
class ReportReminderAdmin(admin.ModelAdmin):
    """Staff see here the reminders that could not be sent (last error) and when."""

    list_display = ["report", "kind", "due_at", "sent_at", "skipped", "attempts", "last_error"]
    list_filter = ["kind", "skipped", ("sent_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["report"]
    list_select_related = ["report__grant_indicator__indicator"]
    readonly_fields = ["claimed_at", "claim_token", "sent_at", "skipped", "attempts", "last_error"]


@admin.register(EquityStake)
class EquityStakeAdmin(admin.ModelAdmin):
    form = EquityStakeForm
    list_display = ["organisation", "share", "amount", "acquired_on", "decision_reference"]
