from typing import cast

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from solidaire.models import (
    AuditAnchor,
    AuditEntry,
    Commune,
    Departement,
    Invitation,
    LegalForm,
    Membership,
    Offer,
    OfferCategory,
    Organisation,
    Region,
    Sector,
    User,
)
from solidaire.models.audit import AuditEntryQuerySet


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profil"), {"fields": ["full_name", "language"]}),
        (_("Droits"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class ReferenceDataAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "position"]
    list_editable = ["position"]
    search_fields = ["name", "code"]


admin.site.register(LegalForm, ReferenceDataAdmin)
admin.site.register(Sector, ReferenceDataAdmin)
admin.site.register(OfferCategory, ReferenceDataAdmin)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["name", "code"]


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    search_fields = ["name", "code"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["insee", "name", "departement", "population"]
    search_fields = ["name", "insee"]
    list_select_related = ["departement"]
    raw_id_fields = ["departement"]


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ["user"]
    extra = 0


class OfferInline(admin.StackedInline):
    model = Offer
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "usual_name", "siret", "legal_form", "commune", "status", "listed_until"]
    list_filter = ["status", "legal_form", "sector", "commune__departement"]
    search_fields = ["legal_name", "usual_name", "siret"]
    list_select_related = ["legal_form", "commune"]
    raw_id_fields = ["commune"]
    # Status changes go through solidaire.services so that they are audited.
    readonly_fields = [
        "slug",
        "status",
        "listed_since",
        "listed_until",
        "status_reason",
        "latitude",
        "longitude",
    ]
    inlines = [MembershipInline, OfferInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at"]
    raw_id_fields = ["organisation", "invited_by"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


ENTRY_FIELDS = (
    "created_at",
    "author",
    "action",
    "target_name",
    "data",
    "actor_ref",
    "key_id",
    "prev_hash",
    "hash",
)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The author and the target shown are those the hashed references name (with_names)."""

    list_display = ["created_at", "author", "action", "target_name"]
    list_filter = ["action"]
    search_fields = ["action", "actor_ref", "target_id"]
    fields = ENTRY_FIELDS
    readonly_fields = ENTRY_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        entries = cast(AuditEntryQuerySet, super().get_queryset(request))  # the model's manager
        return entries.select_related("target_type").with_names()

    @admin.display(description=_("auteur"))
    def author(self, entry: AuditEntry) -> str:
        return entry.author

    @admin.display(description=_("objet"))
    def target_name(self, entry: AuditEntry) -> str:
        return entry.target_name


@admin.register(AuditAnchor)
class AuditAnchorAdmin(ReadOnlyAdmin):
    """The daily copies of the head of the audit trail, and whether the email went."""

    list_display = ["day", "position", "hash", "sent_at", "attempts", "last_error"]
