from django.http import HttpRequest


def platform(request: HttpRequest) -> dict:
    user = request.user
    return {
        "is_regional_staff": user.is_authenticated and user.is_regional_staff,
    }
