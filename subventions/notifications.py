"""What the subsidies email, and to whom (see solidaire/notifications.py)."""

from datetime import datetime, timedelta

from django.db.models import F
from django.utils import timezone

from solidaire import outbox
from solidaire.lib import reminders
from solidaire.lib.emails import compose_for_users
from solidaire.models import STAFF_GROUP, OutgoingMail, User
from solidaire.notifications import start_of
from subventions.models import Grant, Report, ReportReminder, ReportState

Kind = ReportReminder.Kind
BEFORE_DUE = (Kind.BEFORE_15, Kind.BEFORE_3)
# Everything the emails show about a report, read with it (and with a batch of reminders)
# rather than once per email.
REPORT_RELATED = [
    "grant_indicator__grant__organisation",
    "grant_indicator__grant__programme",
    "grant_indicator__indicator",
]


def email_context(report: Report) -> dict:
    grant = report.grant_indicator.grant
    return {
        "report": report,
        "indicator": report.grant_indicator.indicator,
        "grant": grant,
        "organisation": grant.organisation,
    }


def correction_requested(report: Report) -> None:
    organisation = report.grant_indicator.grant.organisation
    outbox.notify(
        "report_correction",
        User.objects.active_members_of(organisation),
        email_context(report),
        organisation=organisation,
    )


class ReportReminders:
    """The emails of one report reminder (the `compose` of reminders.send_due). Recipients are
    read once per batch (`prepare`), not once per reminder or organisation: a run may remind
    thousands of reports, to as many organisations."""

    def __init__(self) -> None:
        self._members: dict[int, list[User]] = {}
        self._staff: list[User] | None = None

    def __call__(self, reminder: ReportReminder, now: datetime) -> list[OutgoingMail]:
        report = reminder.report
        grant = report.grant_indicator.grant
        if report.status != ReportState.DUE or grant.status != Grant.Status.AWARDED:
            raise reminders.Skip  # submitted (or sent back, which has its own email), or grant closed
        before = reminder.kind in BEFORE_DUE
        if before and report.due_date < timezone.localdate(now):
            raise reminders.Skip  # a run missed the moment: "due in 3 days" would now be wrong
        recipients = (
            self.staff() if reminder.kind == Kind.ESCALATION_15 else self.members(grant.organisation_id)
        )
        return compose_for_users(
            f"report_{reminder.kind}",
            recipients,
            email_context(report),
            organisation=grant.organisation,
            expires_at=start_of(report.due_date + timedelta(days=1)) if before else None,
        )

    def prepare(self, batch: list[ReportReminder]) -> None:
        """The active members of the organisations of `batch` not read yet, in one query."""
        wanted = {r.report.grant_indicator.grant.organisation_id for r in batch} - self._members.keys()
        if not wanted:
            return
        for organisation_id in wanted:
            self._members[organisation_id] = []
        members = (
            User.objects.active_members_of(*wanted)
            .annotate(member_of=F("memberships__organisation"))
            .order_by("pk")
        )
        for user in members:
            self._members[user.member_of].append(user)

    def members(self, organisation_id: int) -> list[User]:
        if organisation_id not in self._members:
            self._members[organisation_id] = list(User.objects.active_members_of(organisation_id))
        return self._members[organisation_id]

    def staff(self) -> list[User]:
        if self._staff is None:
            self._staff = list(User.objects.filter(groups__name=STAFF_GROUP, is_active=True))
        return self._staff
