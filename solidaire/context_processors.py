from django.http import HttpRequest


def platform(request: HttpRequest) -> dict:
    # No user when a middleware refused the request before AuthenticationMiddleware ran
    # (an invalid Host header): the error page is drawn for an anonymous visitor.
    user = getattr(request, "user", None)
    return {
        "is_regional_staff": user is not None and user.is_authenticated and user.is_regional_staff,
    }
