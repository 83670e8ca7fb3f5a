"""Django's admin behind the platform's login: allauth's, with its second factor and rate limits.

The admin's own login form checks a password and nothing else: no TOTP code, no limit on
failed attempts. Here it only sends to allauth's login, and an admin page opens to a
Django admin (`is_staff`) who has a second factor and used it to sign in to this session
(allauth records how a session was authenticated). A superuser who signed in another way
is sent to type a code, one without a second factor to set it up.
"""

from allauth.account.authentication import get_authentication_records
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _


def signed_in_with_second_factor(request: HttpRequest) -> bool:
    user = request.user
    if not (user.is_authenticated and user.has_second_factor):
        return False
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, user))


class AdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and signed_in_with_second_factor(request)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """Never a form: sends to the step of the platform's login that is missing."""
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
            next_url = reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url, reverse("account_login"))
        if not (user.is_active and user.is_staff):
            raise PermissionDenied
        if not user.has_second_factor:
            messages.warning(
                request, _("Pour accéder à cette page, activez d'abord la double authentification.")
            )
            return redirect("mfa_activate_totp")
        if not signed_in_with_second_factor(request):
            return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
        return redirect(next_url)

    # django-stubs says a TemplateResponse, which Django's own view returns; any response will do.
    def password_change(  # type: ignore[override]
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        # allauth's form: it asks again for the password or a code and tells the person by email.
        return redirect("account_change_password")
