"""Emails are a subject / text / HTML triplet of templates in templates/emails/.

`compose` renders one for one recipient, in their language, into an unsaved OutgoingMail
row; solidaire.outbox stores the rows in the transaction of the event and sends them.
`to_message` turns a row back into the message handed to the mail backend."""

from collections.abc import Iterable
from datetime import datetime
from email.utils import parseaddr
from typing import Any, cast

from django.conf import settings
from django.core.files.storage import storages
from django.core.mail import EmailMultiAlternatives
from django.template import Context, engines
from django.template.backends.django import DjangoTemplates
from django.template.loader import render_to_string
from django.utils import timezone, translation

from solidaire.models import Organisation, OutgoingMail, User


def _render_text(name: str, context: dict) -> str:
    # Plain text is not HTML: "L'Atelier" must not arrive as "L&#x27;Atelier".
    template = cast(DjangoTemplates, engines["django"]).engine.get_template(name)
    return template.render(Context(context, autoescape=False))


def render_email(template: str, context: dict, language: str | None = None) -> tuple[str, str, str]:
    """Subject, text and HTML, in `language`, with dates and times in the platform's time zone
    (the one its readers live in)."""
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language or settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE):
        subject = _render_text(f"emails/{template}-subject.txt", context)
        text = _render_text(f"emails/{template}-body.txt", context)
        html = render_to_string(f"emails/{template}-body.html", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    return subject, text, html


def text_attachment(name: str, content: str, mimetype: str) -> dict:
    """A small attachment made for this email (a calendar invitation), kept in the row."""
    return {"name": name, "mimetype": mimetype, "content": content}


def stored_attachment(name: str, path: str, mimetype: str, storage: str = "private") -> dict:
    """A file of a storage (a certificate), read when the email is sent."""
    return {"name": name, "mimetype": mimetype, "storage": storage, "path": path}


def compose(
    template: str,
    to: str,
    context: dict,
    *,
    language: str | None = None,
    recipient: User | None = None,
    organisation: Organisation | None = None,
    attachments: Iterable[dict] = (),
    expires_at: datetime | None = None,
) -> OutgoingMail:
    """The email `template` to `to`, rendered now, as an unsaved row (see solidaire.outbox)."""
    language = language or settings.LANGUAGE_CODE
    subject, text, html = render_email(template, context, language)
    return OutgoingMail(
        template=template,
        to=to,
        recipient=recipient,
        organisation=organisation,
        language=language,
        subject=subject[:300],
        body_text=text,
        body_html=html,
        attachments=list(attachments),
        expires_at=expires_at,
    )


def compose_for_users(
    template: str, users: Iterable[User], context: dict, **kwargs: Any
) -> list[OutgoingMail]:
    """One email per user, in that user's language, so nobody sees the others' addresses."""
    return [
        compose(
            template,
            user.email,
            {**context, "recipient": user},
            language=user.language,
            recipient=user,
            **kwargs,
        )
        for user in users
    ]


def _message_id(mail: OutgoingMail) -> str:
    # The same on every attempt: a mail client shows a message that arrived twice once.
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "solidaire.invalid"
    return f"<{mail.guid}@{domain}>"


def to_message(mail: OutgoingMail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        mail.subject, mail.body_text, to=[mail.to], headers={"Message-ID": _message_id(mail)}
    )
    message.attach_alternative(mail.body_html, "text/html")
    for attachment in mail.attachments:
        if "content" in attachment:
            content = attachment["content"]
        else:
            with storages[attachment["storage"]].open(attachment["path"], "rb") as stored:
                content = stored.read()
        message.attach(attachment["name"], content, attachment["mimetype"])
    return message
