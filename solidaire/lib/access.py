"""Who may reach what. Views fetch scoped objects through these helpers."""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from solidaire.lib.http import AuthenticatedHttpRequest
from solidaire.models import Membership, Organisation

# A view that needs a signed-in user. The decorators below keep its signature, as Django's
# login_required does, so that a call with the wrong arguments is found before it runs.
type LoggedInView[**P] = Callable[Concatenate[AuthenticatedHttpRequest, P], HttpResponseBase]


def get_organisation_for_user(
    request: AuthenticatedHttpRequest, slug: str, *, admin: bool = False
) -> tuple[Organisation, Membership]:
    """The organisation `slug` if the user is one of its members: 404 for
    everyone else, 403 for an editor where `admin` rights are needed."""
    membership = get_object_or_404(
        Membership.objects.select_related("organisation", "organisation__commune"),
        organisation__slug=slug,
        user=request.user,
    )
    if admin and not membership.is_admin:
        raise PermissionDenied
    return membership.organisation, membership


def second_factor_required[**P](view: LoggedInView[P]) -> LoggedInView[P]:
    """Staff and assembly members reach their pages only with TOTP set up;
    allauth then asks for it at every login."""

    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        if not request.user.has_second_factor:
            messages.warning(
                request,
                _("Pour accéder à cette page, activez d'abord la double authentification."),
            )
            return redirect("mfa_activate_totp")
        return view(request, *args, **kwargs)

    return wrapper


def staff_required[**P](view: LoggedInView[P]) -> LoggedInView[P]:
    """Regional staff only (403 for other signed-in users), with a second factor."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        if not request.user.is_regional_staff:
            raise PermissionDenied
        return second_factor_required(view)(request, *args, **kwargs)

    return wrapper
