"""The documents of the assembly: the iCalendar invitation, the session minutes and
the admission certificate (PDFs rendered by WeasyPrint, once, in the background)."""

from django.conf import settings
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assemblee.models import AgendaItem, Ballot, College, Recusal, Session
from solidaire import audit
from solidaire.lib.pdf import render_pdf


def icalendar(session: Session) -> bytes:
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Solidaire//Assemblée//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", f"session-{session.pk}@{settings.SITE_URL.split('://')[-1]}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.opens_at)
    event.add("dtend", session.closes_at)
    event.add("summary", session.title)
    url = settings.SITE_URL + reverse("assembly_session", args=[session.pk])
    event.add("location", session.place or session.online_url or _("En ligne"))
    event.add("url", url)
    event.add("description", _("Ordre du jour et vote : %(url)s") % {"url": url})
    calendar.add_component(event)
    return calendar.to_ical()


def minutes_context(session: Session) -> dict:
    colleges = list(College.objects.all())
    seats = dict(session.seats.values("college_id").annotate(n=Count("id")).values_list("college_id", "n"))
    # Counted as the tally counts: ballots of members recused on their item are left out.
    is_recused = Recusal.objects.filter(item=OuterRef("item"), user=OuterRef("member"))
    voters = dict(
        Ballot.objects.filter(item__session=session)
        .exclude(Exists(is_recused))
        .values("college_id")
        .annotate(n=Count("member", distinct=True))
        .values_list("college_id", "n")
    )
    attendance = [(college, seats.get(college.pk, 0), voters.get(college.pk, 0)) for college in colleges]
    items = list(session.items.select_related("application__organisation").order_by("position"))
    return {"session": session, "colleges": colleges, "attendance": attendance, "items": items}


def minutes_pdf(session: Session) -> bytes:
    """The minutes, with the head of the audit trail when they are made (after the session's
    decisions): a copy that a truncated or rebuilt trail contradicts (verify_audit --anchor)."""
    return render_pdf("assemblee/pdf/minutes.html", {**minutes_context(session), "audit_head": audit.head()})


def certificate_pdf(item: AgendaItem) -> bytes:
    organisation = item.application.organisation
    organisation.refresh_from_db()
    return render_pdf(
        "assemblee/pdf/certificate.html",
        {"item": item, "organisation": organisation, "session": item.session},
    )
