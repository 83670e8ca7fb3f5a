"""Workflows of the subsidies: eligibility, grants and their instalments, indicators,
reports. Views, admin, commands and tasks call these; every change of a grant, an
instalment or a report is written to the audit trail."""

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from referentiel.access import is_member
from referentiel.models import Assessment, Criterion
from referentiel.scoring import CriterionResult
from referentiel.services import current_result
from solidaire.lib.documents import CheckedDocument
from solidaire.models import AuditEntry, Organisation, User
from subventions import notifications
from subventions.models import (
    CONVENTION_DATE_REQUIRED,
    REMINDER_OFFSETS,
    Grant,
    GrantIndicator,
    Indicator,
    Instalment,
    Programme,
    Report,
    ReportReminder,
    ReportState,
)

REMINDER_HOUR = time(8, 0)
# The status changes only through award_grant and close_grant.
EDITABLE_GRANT_FIELDS = {
    "organisation", "programme", "purpose", "amount", "decision_reference", "decision_date",
    "convention_date", "start", "end", "nature", "payment_conditions", "rae_id", "eu_notified",
}  # fmt: skip
REPORTED_FIELDS = ["value", "comment", "evidence", "evidence_name", "evidence_type", "evidence_size"]
Status = Organisation.Status


def _require_staff(user: User | None) -> None:
    if user is None or not user.is_regional_staff:
        raise PermissionDenied


def _number(value: Decimal) -> str:
    """In the reader's format, without trailing zeros: "4", "62,5"."""
    value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return formats.number_format(value)


def _percent(value: Decimal) -> str:
    return f"{_number(value)} %"


def _day(value: date) -> str:
    return formats.date_format(value, "j F Y")


def _amount(value: Decimal) -> str:
    return f"{formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)} €"


# --- Eligibility -------------------------------------------------------------------------


def latest_completed_assessment(organisation: Organisation) -> Assessment | None:
    return (
        organisation.assessments.filter(status=Assessment.Status.COMPLETED)
        .order_by("-completed_at", "-pk")
        .first()
    )


def check_eligibility(programme: Programme, organisation: Organisation) -> list[str]:
    """Every rule of the programme that the organisation does not meet, in words; empty
    when it is eligible. Scores and levels come from its latest completed assessment."""
    problems = _status_problems(programme, organisation)
    rules = list(programme.criterion_rules.select_related("criterion"))
    if programme.min_overall is None and not rules:
        return problems
    assessment = latest_completed_assessment(organisation)
    if assessment is None:
        problems.append(
            _("L'organisation n'a pas d'auto-évaluation terminée : les exigences du dispositif sur le "
              "référentiel ne peuvent pas être vérifiées.")
        )  # fmt: skip
        return problems
    result = current_result(assessment)
    if programme.min_overall is not None and result.overall < programme.min_overall:
        problems.append(
            _("Le score global de la dernière auto-évaluation est de %(score)s, en dessous du minimum de "
              "%(minimum)s fixé par le dispositif.")
            % {"score": _percent(result.overall), "minimum": _percent(programme.min_overall)}
        )  # fmt: skip
    answers = {criterion.code: criterion for criterion in result.criteria}
    for rule in rules:
        problem = _criterion_problem(rule.criterion, rule.minimum, answers.get(rule.criterion.code))
        if problem:
            problems.append(problem)
    return problems


def _status_problems(programme: Programme, organisation: Organisation) -> list[str]:
    rule = programme.status_rule
    status = {"status": organisation.get_status_display()}
    if rule == Programme.StatusRule.LISTED and organisation.status != Status.LISTED:
        return [_("L'organisation n'est pas référencée (statut : %(status)s).") % status]
    if rule == Programme.StatusRule.LISTED_OR_PROGRESS and organisation.status not in (
        Status.LISTED,
        Status.PROGRESS_PLAN,
    ):
        return [
            _("L'organisation n'est ni référencée ni en démarche de progrès (statut : %(status)s).") % status
        ]
    return []


def _criterion_problem(
    criterion: Criterion, minimum: Decimal | None, answer: CriterionResult | None
) -> str | None:
    """Why the answer does not reach the rule, or None when it does."""
    name = {"criterion": str(criterion)}
    if answer is None or not answer.answered:
        return _("Critère « %(criterion)s » : pas de réponse dans la dernière auto-évaluation.") % name
    if minimum is None:
        if answer.met:
            return None
        return _("Critère « %(criterion)s » : non satisfait, alors que le dispositif l'exige.") % name
    if criterion.kind == Criterion.Kind.YES_NO:
        if answer.value is True:
            return None
        return _("Critère « %(criterion)s » : la réponse est « non », le dispositif demande « oui ».") % name
    value = Decimal(cast(int | Decimal | str, answer.value))  # answered, a level or a number
    if criterion.kind == Criterion.Kind.LEVEL:
        if value >= minimum:
            return None
        levels = {**name, "value": _number(value), "minimum": _number(minimum)}
        return _("Critère « %(criterion)s » : niveau %(value)s sur 4, le dispositif demande au moins le "
                 "niveau %(minimum)s.") % levels  # fmt: skip
    # A number, with its unit when it has one: "60 %", "4".
    values = {**name, "value": f"{_number(value)} {criterion.unit}".strip(),
              "minimum": f"{_number(minimum)} {criterion.unit}".strip()}  # fmt: skip
    if criterion.direction == Criterion.Direction.LOWER:
        if value <= minimum:
            return None
        return _("Critère « %(criterion)s » : %(value)s, le dispositif demande au plus %(minimum)s.") % values
    if value >= minimum:
        return None
    return _("Critère « %(criterion)s » : %(value)s, le dispositif demande au moins %(minimum)s.") % values


# --- Grants ------------------------------------------------------------------------------


def _audit_value(value: object) -> object:
    """Related objects by their key (the audit trail encodes amounts and dates itself)."""
    return value.pk if isinstance(value, models.Model) else value


def draft_grant(organisation: Organisation, programme: Programme, *, by: User, **fields: Any) -> Grant:
    """A grant in preparation. It may be drafted for an ineligible organisation: the
    reasons are shown (check_eligibility) and awarding it is refused until they are gone."""
    _require_staff(by)
    grant = Grant(organisation=organisation, programme=programme, created_by=by, **fields)
    grant.full_clean()
    with transaction.atomic():
        grant.save()
        AuditEntry.record(
            by,
            "grant.draft",
            grant,
            **{name: _audit_value(value) for name, value in fields.items()},
            eligibility=check_eligibility(programme, organisation),
        )
    return grant


def update_grant(grant: Grant, *, by: User, **changes: Any) -> Grant:
    """Changes fields of a grant in preparation; each change is audited with its old value."""
    _require_staff(by)
    if not grant.is_draft:
        raise ValidationError(_("Une subvention attribuée ne se modifie plus."))
    if not set(changes) <= EDITABLE_GRANT_FIELDS:
        raise ValueError(f"Not editable here: {', '.join(sorted(set(changes) - EDITABLE_GRANT_FIELDS))}")
    before = {name: getattr(grant, name) for name in changes}
    for name, value in changes.items():
        setattr(grant, name, value)
    grant.full_clean()
    changed = {name: [_audit_value(before[name]), _audit_value(value)] for name, value in changes.items()}
    changed = {name: pair for name, pair in changed.items() if pair[0] != pair[1]}
    with transaction.atomic():
        grant.save(update_fields=list(changes))
        if changed:
            AuditEntry.record(by, "grant.update", grant, changes=changed)
    return grant


def instalment_problems(amount: Decimal, planned: Sequence[tuple[date, Decimal]]) -> list[str]:
    if not planned:
        return [_("Prévoyez au moins un versement.")]
    problems = []
    if any(value <= 0 for _day, value in planned):
        problems.append(_("Chaque versement a un montant positif."))
    total = sum((value for _day, value in planned), Decimal(0))
    if total != amount:
        problems.append(
            _("Les versements totalisent %(total)s alors que la subvention est de %(amount)s.")
            % {"total": _amount(total), "amount": _amount(amount)}
        )
    return problems


def set_instalments(grant: Grant, planned: Sequence[tuple[date, Decimal]], *, by: User) -> list[Instalment]:
    """Replaces the planned instalments of a grant in preparation: (date, amount) pairs that
    sum to the grant's amount."""
    _require_staff(by)
    if not grant.is_draft:
        raise ValidationError(_("Une subvention attribuée ne se modifie plus."))
    problems = instalment_problems(grant.amount, planned)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        grant.instalments.all().delete()
        instalments = Instalment.objects.bulk_create(
            [Instalment(grant=grant, planned_on=day, amount=value) for day, value in sorted(planned)]
        )
        AuditEntry.record(
            by,
            "grant.instalments",
            grant,
            instalments=sorted(planned),
        )
    return instalments


def add_grant_indicator(
    grant: Grant,
    indicator: Indicator,
    *,
    baseline: Decimal,
    target: Decimal,
    periodicity: str,
    first_due: date,
    by: User,
) -> GrantIndicator:
    """Follows an indicator on a grant. On a grant already awarded, its reports and their
    reminders are created at once; on a draft, when the grant is awarded."""
    _require_staff(by)
    if grant.status == Grant.Status.CLOSED:
        raise ValidationError(_("Cette subvention est soldée."))
    if grant.indicators.filter(indicator=indicator).exists():
        raise ValidationError(_("Cet indicateur est déjà suivi pour cette subvention."))
    grant_indicator = GrantIndicator(
        grant=grant,
        indicator=indicator,
        baseline=baseline,
        target=target,
        periodicity=periodicity,
        first_due=first_due,
    )
    grant_indicator.full_clean()
    with transaction.atomic():
        grant_indicator.save()
        if grant.status == Grant.Status.AWARDED:
            create_reports(grant_indicator)
        AuditEntry.record(
            by, "grant.indicator", grant, indicator=indicator.code, baseline=baseline, target_value=target,
            periodicity=periodicity, first_due=first_due,
        )  # fmt: skip
    return grant_indicator


EDITABLE_INDICATOR_FIELDS = {"baseline", "target", "periodicity", "first_due"}


def update_grant_indicator(grant_indicator: GrantIndicator, *, by: User, **changes: Any) -> GrantIndicator:
    """Changes the baseline, target or calendar of an indicator while the grant is a draft
    (afterwards its reports exist and are what the organisation answers)."""
    _require_staff(by)
    if grant_indicator.grant.status != Grant.Status.DRAFT:
        raise ValidationError(_("Seuls les indicateurs d'une subvention en préparation se modifient."))
    unknown = set(changes) - EDITABLE_INDICATOR_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(grant_indicator, name, value)
    grant_indicator.full_clean()
    with transaction.atomic():
        grant_indicator.save(update_fields=list(changes))
        AuditEntry.record(
            by, "grant.indicator_update", grant_indicator.grant, indicator=grant_indicator.indicator.code,
            changes={k: str(v) for k, v in changes.items()},
        )  # fmt: skip
    return grant_indicator


def remove_grant_indicator(grant_indicator: GrantIndicator, *, by: User) -> None:
    _require_staff(by)
    if grant_indicator.grant.status != Grant.Status.DRAFT:
        raise ValidationError(_("Seuls les indicateurs d'une subvention en préparation se retirent."))
    with transaction.atomic():
        grant, code = grant_indicator.grant, grant_indicator.indicator.code
        grant_indicator.delete()
        AuditEntry.record(by, "grant.indicator_remove", grant, indicator=code)


def award_problems(grant: Grant) -> list[str]:
    """Everything that prevents awarding the grant, in words."""
    problems = check_eligibility(grant.programme, grant.organisation)
    planned = list(grant.instalments.values_list("planned_on", "amount"))
    problems += instalment_problems(grant.amount, planned)
    if grant.payment_conditions == Grant.PaymentConditions.SINGLE and len(planned) > 1:
        problems.append(_("Un versement unique ne se fait pas en plusieurs fois."))
    followed = set(grant.indicators.values_list("indicator_id", flat=True))
    for indicator in grant.programme.indicators.exclude(pk__in=followed):
        problems.append(
            _("L'indicateur « %(indicator)s » exigé par le dispositif n'est pas suivi.")
            % {"indicator": indicator.translated("name")}
        )
    if not grant.decision_reference or grant.decision_date is None:
        problems.append(_("Indiquez la référence et la date de la décision d'attribution."))
    if grant.convention_date is None:
        problems.append(str(CONVENTION_DATE_REQUIRED))
    return problems


def award_grant(grant: Grant, *, by: User) -> Grant:
    """Awards a grant in preparation: refused, with every reason, when the organisation is
    not eligible or the grant is incomplete. Creates the reports and their reminders."""
    _require_staff(by)
    with transaction.atomic():
        grant = (
            Grant.objects.select_for_update(of=("self",))
            .select_related("organisation", "programme")
            .get(pk=grant.pk)
        )
        if not grant.is_draft:
            raise ValidationError(_("Cette subvention est déjà attribuée."))
        problems = award_problems(grant)
        if problems:
            raise ValidationError(problems)
        grant.status, grant.awarded_at = Grant.Status.AWARDED, timezone.now()
        grant.snapshot_beneficiary()
        grant.save(update_fields=["status", "awarded_at", *Grant.BENEFICIARY_FIELDS])
        for grant_indicator in grant.indicators.select_related("indicator"):
            grant_indicator.grant = grant
            create_reports(grant_indicator)
        AuditEntry.record(by, "grant.award", grant, amount=grant.amount)
    return grant


def close_grant(grant: Grant, *, by: User) -> Grant:
    _require_staff(by)
    with transaction.atomic():
        grant = Grant.objects.select_for_update().get(pk=grant.pk)
        if grant.status != Grant.Status.AWARDED:
            raise ValidationError(_("Seule une subvention attribuée peut être soldée."))
        grant.status = Grant.Status.CLOSED
        grant.save(update_fields=["status"])
        AuditEntry.record(by, "grant.close", grant)
    return grant


def _at_morning(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, REMINDER_HOUR))


def create_reports(grant_indicator: GrantIndicator) -> list[Report]:
    """One report per reporting period, each with its four reminders (new rows, so
    they are created in bulk rather than through reminders.schedule)."""
    reports = Report.objects.bulk_create(
        [
            Report(grant_indicator=grant_indicator, period_start=p.start, period_end=p.end, due_date=p.due)
            for p in grant_indicator.periods()
        ]
    )
    ReportReminder.objects.bulk_create(
        [
            ReportReminder(
                report=report, kind=kind, due_at=_at_morning(report.due_date + timedelta(days=days))
            )
            for report in reports
            for kind, days in REMINDER_OFFSETS.items()
        ]
    )
    return reports


# --- Instalments -------------------------------------------------------------------------


def instalment_blockers(instalment: Instalment, today: date | None = None) -> list[str]:
    """Why the instalment cannot be paid: the late reports it depends on (those of its
    grant due on or before its planned date). Empty when nothing blocks it."""
    if instalment.paid_on is not None:
        return []
    late = (
        Report.objects.filter(grant_indicator__grant=instalment.grant_id, due_date__lte=instalment.planned_on)
        .late(today)
        .select_related("grant_indicator__indicator")
    )
    return [
        _("Le rapport « %(indicator)s » attendu le %(date)s est en retard.")
        % {"indicator": report.grant_indicator.indicator.translated("name"), "date": _day(report.due_date)}
        for report in late
    ]


def pay_instalment(instalment: Instalment, *, by: User, paid_on: date | None = None) -> Instalment:
    _require_staff(by)
    with transaction.atomic():
        instalment = Instalment.objects.select_for_update().select_related("grant").get(pk=instalment.pk)
        if instalment.grant.status != Grant.Status.AWARDED:
            raise ValidationError(_("Seuls les versements d'une subvention attribuée sont payés."))
        if instalment.paid_on is not None:
            raise ValidationError(_("Ce versement est déjà payé."))
        blockers = instalment_blockers(instalment)
        if blockers:
            raise ValidationError(blockers)
        instalment.paid_on = paid_on or timezone.localdate()
        instalment.save(update_fields=["paid_on"])
        AuditEntry.record(
            by, "instalment.pay", instalment.grant, instalment=instalment.pk, amount=instalment.amount,
            paid_on=instalment.paid_on,
        )  # fmt: skip
    return instalment


# --- Reports -----------------------------------------------------------------------------


def _locked_report(report: Report) -> Report:
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("grant_indicator__grant__organisation", "grant_indicator__indicator")
        .get(pk=report.pk)
    )


def submit_report(
    report: Report, *, value: Decimal, comment: str, evidence: CheckedDocument | None, by: User
) -> Report:
    """A member of the organisation reports the value of a period (again, after a
    correction was requested). Reporting late is allowed: the report stops being late."""
    organisation = report.grant_indicator.grant.organisation
    if not is_member(by, organisation):
        raise PermissionDenied
    with transaction.atomic():
        report = _locked_report(report)
        if not report.is_awaited:
            raise ValidationError(_("Ce rapport est déjà remis."))
        if not report.grant_indicator.grant.is_awarded:
            raise ValidationError(_("Cette subvention n'attend plus de rapport."))
        if not report.has_begun:
            raise ValidationError(
                _("La période commence le %(date)s : le rapport se remet à partir de ce jour.")
                % {"date": _day(report.period_start)}
            )
        if value is None:
            raise ValidationError(_("Indiquez la valeur de la période."))
        old_file = report.evidence.name if evidence and report.evidence else None
        if evidence:
            report.evidence.save(f"upload.{evidence.extension}", evidence.upload, save=False)
            report.evidence_name = evidence.name[:255]
            report.evidence_type, report.evidence_size = evidence.content_type, evidence.size
        report.value, report.comment = value, comment.strip()
        report.status, report.submitted_at, report.submitted_by = ReportState.SUBMITTED, timezone.now(), by
        report.save(update_fields=[*REPORTED_FIELDS, "status", "submitted_at", "submitted_by"])
        # No file name in the audit trail: it may name a person.
        AuditEntry.record(by, "report.submit", report, value=value, evidence=bool(report.evidence))
        if old_file:
            storage = report.evidence.storage
            transaction.on_commit(lambda: storage.delete(old_file))
    return report


def _review(report: Report, *, by: User, to: str, message: str = "") -> Report:
    _require_staff(by)
    with transaction.atomic():
        report = _locked_report(report)
        if report.status != ReportState.SUBMITTED:
            raise ValidationError(_("Seul un rapport remis s'examine."))
        report.status, report.reviewed_at, report.reviewed_by = to, timezone.now(), by
        report.staff_message = message
        report.save(update_fields=["status", "reviewed_at", "reviewed_by", "staff_message"])
        AuditEntry.record(by, f"report.{to}", report)  # the message stays on the report
    return report


def validate_report(report: Report, *, by: User) -> Report:
    return _review(report, by=by, to=ReportState.VALIDATED)


def request_correction(report: Report, *, message: str, by: User) -> Report:
    """Staff send a submitted report back with a message; the members receive it by email."""
    if not message.strip():
        raise ValidationError(_("Expliquez ce qui doit être corrigé."))
    with transaction.atomic():
        report = _review(report, by=by, to=ReportState.CORRECTION_REQUESTED, message=message.strip())
        notifications.correction_requested(report)
    return report
