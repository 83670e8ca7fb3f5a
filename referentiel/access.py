"""Who may read an assessment, its evidence and its reviews, and who may review.

The assembly (a later layer) adds its members through `register_reader` and
`register_reviewer_pool`, so that this app never imports it (DESIGN §1)."""

from collections.abc import Callable

from django.db.models import Q, QuerySet
from django.http import Http404

from referentiel.models import Assessment, PeerReview
from solidaire.lib.http import AuthenticatedHttpRequest
from solidaire.models import Membership, Organisation, User

Reader = Callable[[User, Assessment], bool]
ReviewerPool = Callable[[], Q]

_readers: list[Reader] = []
_reviewer_pools: list[ReviewerPool] = []


def register_reader(reader: Reader) -> Reader:
    _readers.append(reader)
    return reader


def register_reviewer_pool(pool: ReviewerPool) -> ReviewerPool:
    _reviewer_pools.append(pool)
    return pool


def is_member(user: User, organisation: Organisation) -> bool:
    return Membership.objects.filter(organisation=organisation, user=user).exists()


def can_read(user: User, assessment: Assessment) -> bool:
    """The organisation's members, its assigned peer reviewers, staff (with their
    second factor) and whoever a later layer registers (assembly members of a
    session where the organisation is on the agenda)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_regional_staff and user.has_second_factor:
        return True
    if is_member(user, assessment.organisation):
        return True
    if PeerReview.objects.filter(assessment=assessment, reviewer=user).exists():
        return True
    return any(reader(user, assessment) for reader in _readers)


def get_readable_assessment(request: AuthenticatedHttpRequest, pk: int) -> Assessment:
    assessment = Assessment.objects.select_related("organisation", "referentiel").filter(pk=pk).first()
    if assessment is None or not can_read(request.user, assessment):
        raise Http404
    return assessment


def eligible_reviewers(assessment: Assessment) -> QuerySet[User]:
    """Members of listed organisations and registered pools, never a member of the
    assessed organisation, never someone who declared a conflict with it."""
    pool = Q(memberships__organisation__status=Organisation.Status.LISTED)
    for extra in _reviewer_pools:
        pool |= extra()
    organisation = assessment.organisation
    return (
        User.objects.filter(pool, is_active=True)
        .exclude(memberships__organisation=organisation)
        .exclude(conflicts__organisation=organisation)
        .distinct()
        .order_by("full_name", "email")
    )
