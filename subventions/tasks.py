"""Background work of the subsidies: report reminders (Celery beat) and notifications."""

from datetime import date, datetime

from django.db.models import F
from django.utils import timezone

from solidaire.celery import task
from solidaire.lib import reminders
from solidaire.lib.emails import notify_users
from solidaire.models import STAFF_GROUP, User
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


class ReportReminderSender:
    """Sends one report reminder (the `send` of reminders.send_due). Recipients are read
    once per batch (`prepare`), not once per reminder or organisation: a run may send
    thousands, to as many organisations."""

    def __init__(self, today: date) -> None:
        self.today = today
        self._members: dict[int, list[User]] = {}
        self._staff: list[User] | None = None

    def __call__(self, reminder: ReportReminder) -> None:
        report = reminder.report
        grant = report.grant_indicator.grant
        if report.status != ReportState.DUE or grant.status != Grant.Status.AWARDED:
            raise reminders.Skip  # submitted (or sent back, which has its own email), or grant closed
        if reminder.kind in BEFORE_DUE and report.due_date < self.today:
            raise reminders.Skip  # a run missed the moment: "due in 3 days" would now be wrong
        recipients = (
            self.staff() if reminder.kind == Kind.ESCALATION_15 else self.members(grant.organisation_id)
        )
        notify_users(f"report_{reminder.kind}", recipients, email_context(report))

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


def run_report_reminders(now: datetime | None = None) -> reminders.RunReport:
    now = now or timezone.now()
    sender = ReportReminderSender(timezone.localdate(now))
    related = [f"report__{path}" for path in REPORT_RELATED]
    return reminders.send_due(ReportReminder, sender, now=now, related=related, prepare=sender.prepare)


@task
def send_report_reminders() -> dict:
    """Celery beat: reminders of indicator reports (15 and 3 days before the due date, the
    day after it) to the organisation's members, and the escalation to staff 15 days after."""
    report = run_report_reminders()
    return {"sent": report.sent, "skipped": report.skipped, "failed": report.failed}


@task
def notify_correction_requested(report_id: int) -> None:
    report = Report.objects.select_related(*REPORT_RELATED).get(pk=report_id)
    members = User.objects.active_members_of(report.grant_indicator.grant.organisation_id)
    notify_users("report_correction", members, email_context(report))
