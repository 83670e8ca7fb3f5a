from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssembleeConfig(AppConfig):
    name = "assemblee"
    verbose_name = _("Assemblée")

    def ready(self) -> None:
        from django.db.models import Q

        from assemblee import privacy
        from solidaire.privacy import register_eraser, register_exporter

        register_exporter("assembly")(privacy.export)
        register_eraser(privacy.erase)

        from assemblee.models import AgendaItem, Mandate, Session
        from referentiel import access

        @access.register_reader
        def sits_where_on_agenda(user, assessment) -> bool:
            """Assembly members read the applications on the agenda of the sessions they sit in,
            with their second factor, as on the assembly's own pages (assembly_member_required)."""
            return (
                user.has_second_factor
                and AgendaItem.objects.filter(
                    application__assessment=assessment,
                    session__seats__user=user,
                    session__status__in=[Session.Status.PUBLISHED, Session.Status.CLOSED],
                ).exists()
            )

        @access.register_reviewer_pool
        def assembly_members() -> Q:
            return Q(pk__in=Mandate.objects.current().values("user_id"))
