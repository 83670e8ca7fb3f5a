"""The request type of the views that require a login (healthchecks' hc/accounts/http.py)."""

from django.http import HttpRequest

from solidaire.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request whose user has signed in: what `login_required` and the decorators of
    `solidaire.lib.access` guarantee to the view they wrap. For the type checker only:
    Django still builds a plain HttpRequest."""

    user: User
