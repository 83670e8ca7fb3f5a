from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from assemblee.models import Seat
from assemblee.services import is_assembly_member
from solidaire.lib.access import second_factor_required


def assembly_member_required(view):
    """Members with a current mandate, or convened to a session, with their second factor."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        user = request.user
        if not (is_assembly_member(user) or Seat.objects.filter(user=user).exists()):
            raise PermissionDenied
        return second_factor_required(view)(request, *args, **kwargs)

    return wrapper
