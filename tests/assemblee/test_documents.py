"""What the assembly sends and prints: convocations with their calendar invitation, vote
reminders, the minutes, the admission certificate, the decisions and the renewal reminder."""

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import dateformat, timezone
from icalendar import Calendar
from pypdf import PdfReader

from assemblee import notifications, pdf, services, tasks
from assemblee.models import AgendaItem, Session, SessionReminder
from solidaire import notifications as core_notifications
from solidaire import outbox
from solidaire.lib import reminders
from solidaire.models import ListingReminder, OutgoingMail
from tests.assemblee.factory import make_colleges, make_member, make_session, on_agenda, ready_application


@pytest.fixture
def members(db) -> list:
    """One member per college, each with a current mandate and a second factor."""
    return [make_member(college) for college in make_colleges()]


@pytest.fixture
def session(nadia, org_a, alice, members, django_capture_on_commit_callbacks) -> Session:
    session = make_session(nadia)
    on_agenda(ready_application(org_a, alice), session, nadia)
    with django_capture_on_commit_callbacks(execute=True):  # the convocations
        return services.publish_session(session, by=nadia)


@pytest.fixture
def item(session) -> AgendaItem:
    return session.items.select_related("application__organisation").get()


def close(session: Session, capture) -> Session:
    Session.objects.filter(pk=session.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    mail.outbox.clear()
    with capture(execute=True):  # minutes, certificates, decisions
        services.close_session(session.pk)
    session.refresh_from_db()
    return session


def pdf_text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())


def sent(template_subject: str) -> list:
    return [message for message in mail.outbox if template_subject in message.subject]


# --- Convocations and reminders -------------------------------------------------------------


def test_every_seated_member_is_convened_with_the_agenda_and_a_link(session, members) -> None:
    convocations = sent("Convocation : Séance du 12 mars")
    assert sorted(m.to[0] for m in convocations) == sorted(member.email for member in members)
    assert "Atelier du Réemploi" in convocations[0].body
    assert reverse("assembly_session", args=[session.pk]) in convocations[0].body


def test_the_convocation_carries_a_calendar_invitation_of_the_session(session) -> None:
    convocation = sent("Convocation")[0]
    _name, content, mimetype = convocation.attachments[0]
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert mimetype.startswith("text/calendar")
    assert event.decoded("dtstart") == session.opens_at.replace(microsecond=0)  # iCalendar counts seconds


def vote_reminders(now, capture) -> None:
    with capture(execute=True):
        reminders.send_due(
            SessionReminder, notifications.vote_reminder, related=["session", "member"], now=now
        )


def test_the_day_before_closing_only_members_who_have_not_voted_are_reminded(
    item, members, django_capture_on_commit_callbacks
) -> None:
    voter, *others = members
    services.cast_ballot(item, voter, "admit")
    mail.outbox.clear()
    day_before = item.session.closes_at - timedelta(hours=23)
    vote_reminders(timezone.now(), django_capture_on_commit_callbacks)
    assert sent("Dernier jour pour voter") == []
    vote_reminders(day_before, django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in sent("Dernier jour pour voter")) == sorted(o.email for o in others)


def test_the_reminder_says_when_the_vote_closes_in_the_readers_time(
    item, members, django_capture_on_commit_callbacks
) -> None:
    mail.outbox.clear()
    vote_reminders(item.session.closes_at - timedelta(hours=1), django_capture_on_commit_callbacks)
    closes_at = timezone.localtime(item.session.closes_at, timezone.get_default_timezone())
    day = dateformat.format(closes_at, "l j F Y")  # e.g. "jeudi 12 mars 2026"
    assert f"se termine le {day} à {closes_at:%H:%M} (heure {closes_at.tzname()})" in mail.outbox[0].body


def test_a_reminder_caught_up_after_the_vote_closed_is_not_sent(
    item, members, django_capture_on_commit_callbacks
) -> None:
    mail.outbox.clear()
    vote_reminders(item.session.closes_at + timedelta(minutes=1), django_capture_on_commit_callbacks)
    assert sent("Dernier jour pour voter") == []
    assert SessionReminder.objects.filter(skipped=True).count() == len(members)


def test_a_reminder_waiting_for_the_mail_server_is_dropped_once_the_vote_closed(
    item, members, django_capture_on_commit_callbacks
) -> None:
    refused = mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=OSError("SMTP")
    )
    with refused:
        vote_reminders(item.session.closes_at - timedelta(hours=1), django_capture_on_commit_callbacks)
    mail.outbox.clear()
    after = item.session.closes_at + timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=after):
        outbox.send_due()
    assert sent("Dernier jour pour voter") == []
    assert OutgoingMail.objects.filter(template="vote_reminder", status="cancelled").count() == len(members)


# --- Minutes, certificate and decisions --------------------------------------------------------


def test_the_minutes_hold_the_session_the_attendance_and_the_decisions(
    item, members, django_capture_on_commit_callbacks
) -> None:
    for member in members[:3]:
        services.cast_ballot(item, member, "admit")
    session = close(item.session, django_capture_on_commit_callbacks)
    item.refresh_from_db()
    text = pdf_text(pdf.minutes_pdf(session))
    assert "Séance du 12 mars" in text and "Atelier du Réemploi" in text
    assert "Consommateurs et usagers 20 % 1 1" in text and "Votants : 3 sur 5" in text
    assert item.reference in text


def test_the_minutes_hold_the_head_of_the_audit_trail_after_the_decisions(
    item, members, django_capture_on_commit_callbacks
) -> None:
    from solidaire.audit import head

    session = close(item.session, django_capture_on_commit_callbacks)
    anchor = head()
    with session.minutes.open("rb") as stored:
        text = pdf_text(stored.read())
    assert anchor.position > 1 and f"entrée n° {anchor.position}" in text
    assert str(anchor) in text.replace(" ", "")  # the digest wraps across lines


def test_closing_stores_the_minutes_for_the_members(
    client, item, members, django_capture_on_commit_callbacks
) -> None:
    session = close(item.session, django_capture_on_commit_callbacks)
    client.force_login(members[0])
    response = client.get(reverse("assembly_minutes", args=[session.pk]))
    assert "Procès-verbal de l'assemblée" in pdf_text(response.getvalue())


def test_the_certificate_names_the_organisation_its_reference_and_listing_end(
    item, members, django_capture_on_commit_callbacks
) -> None:
    for member in members:
        services.cast_ballot(item, member, "admit")
    close(item.session, django_capture_on_commit_callbacks)
    item.refresh_from_db()
    organisation = item.application.organisation
    organisation.refresh_from_db()
    text = pdf_text(pdf.certificate_pdf(item))
    assert "Attestation de référencement" in text and organisation.legal_name in text
    assert item.reference in text and organisation.siret in text
    assert f"{organisation.listed_until:%Y}" in text and "Séance du 12 mars" in text


def test_an_admitted_organisation_receives_the_decision_and_its_certificate(
    item, members, alice, django_capture_on_commit_callbacks
) -> None:
    for member in members:
        services.cast_ballot(item, member, "admit")
    close(item.session, django_capture_on_commit_callbacks)
    decision = sent("Votre organisation est référencée : Atelier du Réemploi")[0]
    assert decision.to == [alice.email]
    assert decision.attachments[0][2] == "application/pdf"


def test_a_progress_plan_decision_points_to_the_commitments(
    item, members, django_capture_on_commit_callbacks
) -> None:
    for member in members:
        services.cast_ballot(item, member, "progress_plan")
    close(item.session, django_capture_on_commit_callbacks)
    decision = sent("Démarche de progrès proposée")[0]
    assert reverse("progress_plan", args=[item.application.organisation.slug]) in decision.body


def test_a_refused_organisation_is_told_with_the_reference(
    item, members, django_capture_on_commit_callbacks
) -> None:
    for member in members:
        services.cast_ballot(item, member, "refuse")
    close(item.session, django_capture_on_commit_callbacks)
    item.refresh_from_db()
    assert item.reference in sent("Décision de l'assemblée : Atelier du Réemploi")[0].body


def test_the_renewal_reminder_invites_to_apply_again(
    item, members, django_capture_on_commit_callbacks
) -> None:
    for member in members:
        services.cast_ballot(item, member, "admit")
    close(item.session, django_capture_on_commit_callbacks)
    reminder = ListingReminder.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_due(
            ListingReminder, core_notifications.listing_renewal, related=["organisation"], now=reminder.due_at
        )
    renewal = sent("Le référencement de Atelier du Réemploi prend fin le")[0]
    assert reverse("application_home", args=[item.application.organisation.slug]) in renewal.body


def test_decisions_whose_task_was_lost_are_sent_by_the_closing_job_once(
    item, members, django_capture_on_commit_callbacks
) -> None:
    for member in members:
        services.cast_ballot(item, member, "refuse")
    Session.objects.filter(pk=item.session_id).update(closes_at=timezone.now() - timedelta(seconds=1))
    services.close_session(item.session_id)  # its task queued after the commit is lost
    mail.outbox.clear()
    later = timezone.now() + tasks.NOTIFY_GRACE + timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        for _run in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                tasks.close_due_sessions()
    assert len(sent("Décision de l'assemblée : Atelier du Réemploi")) == 1
