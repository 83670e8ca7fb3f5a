"""Template tags of the assembly: whether the signed-in user belongs to it (for the menu)."""

from django import template
from django.db.models import Exists, OuterRef

from assemblee.models import Mandate, Seat
from solidaire.models import User

register = template.Library()


@register.simple_tag(takes_context=True)
def is_assembly_member(context: template.Context) -> bool:
    """A current mandate or a seat in a session, as `assembly_member_required` asks:
    one query, once per request."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return False
    if not hasattr(request, "_is_assembly_member"):
        request._is_assembly_member = (
            User.objects.filter(pk=user.pk)
            .filter(
                Exists(Mandate.objects.current().filter(user=OuterRef("pk")))
                | Exists(Seat.objects.filter(user=OuterRef("pk")))
            )
            .exists()
        )
    return request._is_assembly_member
