from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBase

from assemblee.models import Seat
from assemblee.services import is_assembly_member
from solidaire.lib.access import LoggedInView, second_factor_required
from solidaire.lib.http import AuthenticatedHttpRequest


def assembly_member_required[**P](view: LoggedInView[P]) -> LoggedInView[P]:
    """Members with a current mandate, or convened to a session, with their second factor."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        user = request.user
        if not (is_assembly_member(user) or Seat.objects.filter(user=user).exists()):
            raise PermissionDenied
        return second_factor_required(view)(request, *args, **kwargs)

    return wrapper
