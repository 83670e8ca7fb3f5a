from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.forms import BaseForm
from django.http import HttpRequest
from django.utils import translation

from solidaire import outbox
from solidaire.lib.client_ip import client_ip
from solidaire.models import OutgoingMail, User


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: User, form: BaseForm, commit: bool = True) -> User:
        # Emails to this person are written in the language they signed up in.
        language = translation.get_language() or settings.LANGUAGE_CODE
        user.language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        return super().save_user(request, user, form, commit=commit)

    def get_client_ip(self, request: HttpRequest) -> str:
        # The rate limits count the person, not the reverse proxy (solidaire.lib.client_ip).
        ip = client_ip(request)
        if ip is None:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's emails (address confirmation, password reset, login codes) go through the
        outbox like every other: stored, sent once, tried again, shown to staff if refused;
        their text, which opens the account, is erased once sent."""
        message = self.render_mail(template_prefix, email, context)
        html = next((content for content, mimetype in message.alternatives if mimetype == "text/html"), "")
        mail = OutgoingMail(
            template=template_prefix.rsplit("/", 1)[-1][:60],
            to=email,
            recipient=context.get("user") if isinstance(context.get("user"), User) else None,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            subject=message.subject[:300],
            body_text=message.body,
            body_html=html,
            sensitive=True,
        )
        outbox.queue([mail])
