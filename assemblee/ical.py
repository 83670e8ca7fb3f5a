"""The iCalendar invitation of a session, attached to the convocation of each member."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assemblee.models import Session


def invitation(session: Session) -> bytes:
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
