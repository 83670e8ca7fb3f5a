"""What the assembly plugs into the layers below it, connected in AssembleeConfig.ready():
its part of a person's data (export and erasure), and its members as readers of the
assessments on their agenda and as a pool of peer reviewers."""

from django.db.models import Q

from assemblee import privacy
from assemblee.models import AgendaItem, Mandate, Session
from referentiel import access
from referentiel.models import Assessment
from solidaire.models import User
from solidaire.privacy import register_eraser, register_exporter


def sits_where_on_agenda(user: User, assessment: Assessment) -> bool:
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


def assembly_members() -> Q:
    return Q(pk__in=Mandate.objects.current().values("user_id"))


def connect() -> None:
    register_exporter("assembly")(privacy.export)
    register_eraser(privacy.erase)
    access.register_reader(sits_where_on_agenda)
    access.register_reviewer_pool(assembly_members)
