"""Emails are a subject / text / HTML triplet of templates in templates/emails/."""

from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, engines
from django.template.backends.django import DjangoTemplates
from django.template.loader import render_to_string
from django.utils import translation

Attachment = tuple[str, bytes, str]  # file name, content, MIME type


def _render_text(name: str, context: dict) -> str:
    # Plain text is not HTML: "L'Atelier" must not arrive as "L&#x27;Atelier".
    template = cast(DjangoTemplates, engines["django"]).engine.get_template(name)
    return template.render(Context(context, autoescape=False))


def render_email(template: str, context: dict, language: str | None = None) -> tuple[str, str, str]:
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = _render_text(f"emails/{template}-subject.txt", context)
        text = _render_text(f"emails/{template}-body.txt", context)
        html = render_to_string(f"emails/{template}-body.html", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    return subject, text, html


def send_email(
    template: str,
    to: str,
    context: dict,
    *,
    language: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> None:
    subject, text, html = render_email(template, context, language)
    message = EmailMultiAlternatives(subject, text, to=[to])
    message.attach_alternative(html, "text/html")
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    message.send()


def notify_users(template: str, users: Iterable, context: dict, **kwargs: Any) -> None:
    """One email per user, in that user's language, so nobody sees the others' addresses."""
    for user in users:
        send_email(template, user.email, {**context, "recipient": user}, language=user.language, **kwargs)
