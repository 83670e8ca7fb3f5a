"""Who gets what, for every named address of the site (DESIGN §2).

MATRIX gives, for each URL name, the answer each persona must get to a GET of that address
filled with organisation A's ids. VARIANTS fill some addresses with other ids: organisation
B's, or A's slug with an id that belongs to B (an id changed by hand in the address), or an
object nobody may reach that way (a draft grant, an unlisted organisation). A POST by a
persona that the GET refuses is refused the same way and changes nothing in the database.
Every answer, refused or not, is searched for private data the persona may not read
(MARKERS): the names of evidence files, report comments, draft grants...

A URL added without an entry in MATRIX fails test_every_named_url_has_an_entry. Django's
admin (`admin:*`) is only checked for refusing everyone who is not a Django admin.

The world is built once for the module, inside a transaction that is rolled back at the
end; each test runs in a savepoint of it (pytest-django's `db`).
"""

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from assemblee import services as assembly
from assemblee.models import AgendaItem, Mandate, Session
from referentiel import services as referentiel_services
from referentiel.models import Criterion
from solidaire import outbox
from solidaire import services as core
from solidaire.lib.documents import check_document
from solidaire.lib.emails import compose
from solidaire.models import Membership, Organisation, OutgoingMail, User
from subventions import services as subsidies
from subventions.models import Report
from tests.assemblee.factory import make_colleges, make_member, make_session
from tests.factory import add_member, make_offer, make_organisation, make_user, sign_in_with_totp
from tests.referentiel.conftest import answer_all
from tests.referentiel.factory import make_referentiel, pdf_bytes
from tests.subventions.factory import awarded_grant, draft, make_indicator, make_programme
from tests.worlds import use_world_files, world_of

# --- Personas ------------------------------------------------------------------------------

PERSONAS = {
    "visitor": "not signed in",
    "dave": "signed in, no organisation",
    "alice": "admin member of organisation A",
    "bob": "editor of organisation A",
    "charlie": "admin member of organisation B",
    "claire": "assembly member (current mandate, 2FA), seated where A is on the agenda",
    "paul": "assembly member (2FA) recused on A's item: he declared a conflict",
    "ines": "assembly member seated where A is on the agenda, without a second factor",
    "rita": "peer reviewer assigned to A's assessment (member of another listed organisation)",
    "nadia": "regional staff with 2FA",
    "olivier": "regional staff without 2FA",
}

# --- The world -----------------------------------------------------------------------------


def upload(name: str):
    return check_document(SimpleUploadedFile(name, pdf_bytes(name)))


@dataclass
class Org:
    """An organisation and the objects of it that the addresses need."""

    org: Organisation
    offer: object = None
    assessments: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)
    applications: dict = field(default_factory=dict)
    items: dict = field(default_factory=dict)
    grant: object = None
    draft_grant: object = None
    report: object = None

    @property
    def slug(self) -> str:
        return self.org.slug


def _assess(organisation: Org, key: str, user: User, *, complete: bool = False):
    """A self-assessment fully answered, with one evidence file named after `key`."""
    assessment = referentiel_services.start_assessment(organisation.org, by=user)
    answer_all(assessment, user)
    criterion = Criterion.objects.get(code="gouv-1", domain__referentiel=assessment.referentiel)
    document = upload(f"statuts-{key}.pdf")
    organisation.evidence[key] = referentiel_services.add_evidence(assessment, criterion, document, user)
    if complete:
        assessment = referentiel_services.complete_assessment(assessment, by=user)
    organisation.assessments[key] = assessment
    return assessment


def build_world() -> SimpleNamespace:
    """A and B were both admitted at session 1 (closed, with minutes and certificates) and
    both have an awarded grant whose first report is handed in, with a file, and a grant
    in preparation. A renews: its application is on the agenda of session 2 (open), Rita
    reviewed its self-assessment, Paul declared a conflict, Claire voted; A has started
    its next self-assessment. B is writing its renewal (a draft application)."""
    w = SimpleNamespace()
    make_referentiel()
    colleges = make_colleges()
    w.nadia = nadia = make_user("nadia@region.example", full_name="Nadia Benali", staff=True)
    w.olivier = make_user("olivier@region.example", full_name="Olivier Roux", staff=True, totp=False)
    w.alice = alice = make_user("alice@example.org", full_name="Alice Martin")
    w.bob = make_user("bob@example.org", full_name="Bob Leroy")
    w.charlie = charlie = make_user("charlie@example.org", full_name="Charlie Durand")
    w.dave = make_user("dave@example.org", full_name="Dave Petit")
    w.claire = claire = make_member(colleges[0], "claire@example.org", full_name="Claire Dubois")
    w.paul = paul = make_member(colleges[1], "paul@example.org", full_name="Paul Morel")
    remi = make_member(colleges[2], "remi@example.org", full_name="Rémi Caron")
    w.ines = make_user("ines@example.org", full_name="Inès Garnier", totp=False)
    today = timezone.localdate()
    Mandate.objects.create(
        user=w.ines,
        college=colleges[3],
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=300),
    )
    w.rita = rita = make_user("rita@example.org", full_name="Rita Lopez")
    make_organisation("Ressourcerie du Canal", admin=rita, status=Organisation.Status.LISTED)

    w.a = a = Org(make_organisation("Atelier du Réemploi", admin=alice))
    add_member(a.org, w.bob, Membership.Role.EDITOR)
    w.b = b = Org(make_organisation("Coopérative des Deux Rives", admin=charlie))
    for organisation in (a, b):
        organisation.offer = make_offer(organisation.org, name=f"Offre de {organisation.org.legal_name}")

    # Session 1: A and B admitted.
    w.s1 = s1 = make_session(nadia, opens_in=-timedelta(hours=2))
    s1.title = "Séance close"
    s1.save(update_fields=["title"])
    for organisation, admin, key in ((a, alice, "a1"), (b, charlie, "b1")):
        application = assembly.start_application(organisation.org, by=admin)
        _assess(organisation, key, admin)
        organisation.applications[1] = assembly.submit(application, by=admin)
        organisation.items[1] = assembly.put_on_agenda(organisation.applications[1], s1, by=nadia)
    assembly.publish_session(s1, by=nadia)
    for member in (claire, paul, remi):
        for organisation in (a, b):
            assembly.cast_ballot(organisation.items[1], member, "admit")
    Session.objects.filter(pk=s1.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    assert assembly.close_session(s1.pk)
    s1.refresh_from_db()
    # The Celery task that writes them runs after the commit, which never comes here.
    s1.minutes.save("pv.pdf", ContentFile(pdf_bytes("Procès-verbal")))
    for organisation in (a, b):
        organisation.items[1].refresh_from_db()
        assert organisation.items[1].outcome == AgendaItem.Outcome.ADMIT
        organisation.items[1].certificate.save("attestation.pdf", ContentFile(pdf_bytes("Attestation")))
        organisation.org.refresh_from_db()
        assert organisation.org.status == Organisation.Status.LISTED

    # Grants: one awarded with its first report handed in, one in preparation.
    indicator = make_indicator()
    w.programme = programme = make_programme(indicators=[indicator])
    for organisation, admin, letter in ((a, alice, "A"), (b, charlie, "B")):
        organisation.grant = awarded_grant(
            organisation.org, programme, nadia, indicator=indicator, first_due=today - timedelta(days=10)
        )
        organisation.report = Report.objects.filter(grant_indicator__grant=organisation.grant).earliest(
            "due_date"
        )
        organisation.report = subsidies.submit_report(
            organisation.report,
            value=Decimal(950),
            comment=f"Commentaire confidentiel du rapport {letter}",
            evidence=upload(f"justificatif-rapport-{letter}.pdf"),
            by=admin,
        )
        organisation.draft_grant = draft(
            organisation.org,
            programme,
            nadia,
            amount=Decimal("73914.58"),
            purpose=f"Projet confidentiel {letter}",
            decision_reference=f"CP-BROUILLON-{letter}",
        )

    # Session 2, open: A's renewal on its agenda.
    w.s2 = s2 = make_session(nadia)
    application = assembly.start_application(a.org, by=alice)
    _assess(a, "a2", alice)
    a.applications[2] = assembly.submit(application, by=alice)
    a.assessments["a2"].refresh_from_db()
    a.items[2] = assembly.put_on_agenda(a.applications[2], s2, by=nadia)
    assembly.publish_session(s2, by=nadia)
    assembly.declare_conflict(a.items[2], paul, "Motif de conflit de Paul")
    assembly.cast_ballot(a.items[2], claire, "admit", "Commentaire de vote de Claire")
    w.review = referentiel_services.assign_reviewer(a.assessments["a2"], rita, by=nadia)
    criteria = Criterion.objects.filter(domain__referentiel=a.assessments["a2"].referentiel)
    opinions = {c.pk: (True, f"Avis de relecture sur {c.code}") for c in criteria}
    referentiel_services.save_review(w.review, opinions, "Synthèse de relecture de Rita", submit=True)
    w.comment = w.review.comments.order_by("pk").first()
    _assess(a, "a3", alice)  # A's next self-assessment, a draft
    w.invitation = core.invite(a.org, "invitee-a@example.org", Membership.Role.EDITOR, alice)

    # B writes its renewal.
    b.applications[2] = assembly.start_application(b.org, by=charlie)
    _assess(b, "b2", charlie)

    w.s3 = Session.objects.create(
        title="Séance en préparation",
        place="En ligne",
        opens_at=timezone.now() + timedelta(days=30),
        closes_at=timezone.now() + timedelta(days=37),
        created_by=nadia,
    )
    w.unlisted = Org(make_organisation("Collectif Invisible"))
    w.unlisted.offer = make_offer(w.unlisted.org, name="Offre invisible")
    w.membership_bob = Membership.objects.get(organisation=a.org, user=w.bob)
    w.membership_charlie = Membership.objects.get(organisation=b.org, user=charlie)
    w.mandate_claire = Mandate.objects.get(user=claire)
    # An email the mail server refused for good, which staff see and may send again.
    [w.failed_mail] = outbox.queue(
        [compose("listing_renewal", "refus-permanent@example.org", {"organisation": a.org})]
    )
    OutgoingMail.objects.filter(pk=w.failed_mail.pk).update(
        status=OutgoingMail.Status.FAILED, error="550 refusé"
    )
    return w


# Private data, and who may read it anywhere on the site.
MARKERS = {
    "statuts-a1.pdf": {"alice", "bob", "nadia", "claire", "paul"},  # A at session 1
    "statuts-a2.pdf": {"alice", "bob", "nadia", "claire", "paul", "rita"},  # A at session 2
    "statuts-a3.pdf": {"alice", "bob", "nadia"},  # A's draft self-assessment
    "statuts-b1.pdf": {"charlie", "nadia", "claire", "paul"},  # B at session 1
    "statuts-b2.pdf": {"charlie", "nadia"},  # B's draft self-assessment
    "Commentaire confidentiel du rapport A": {"alice", "bob", "nadia"},
    "justificatif-rapport-A.pdf": {"alice", "bob", "nadia"},
    "Commentaire confidentiel du rapport B": {"charlie", "nadia"},
    "justificatif-rapport-B.pdf": {"charlie", "nadia"},
    "CP-BROUILLON-A": {"nadia"},
    "CP-BROUILLON-B": {"nadia"},
    "Projet confidentiel": {"nadia"},
    "73914,58": {"nadia"},  # the amount of the grants in preparation, however it is spaced
    "73914.58": {"nadia"},
    "Commentaire de vote de Claire": {"claire"},
    "Motif de conflit de Paul": {"paul", "nadia"},
    "Synthèse de relecture de Rita": {"alice", "bob", "nadia", "claire", "paul", "rita"},
    "invitee-a@example.org": {"alice", "bob", "nadia"},
    "Collectif Invisible": {"nadia"},  # a draft organisation
    "refus-permanent@example.org": {"nadia"},  # a failed email's address
    "Offre invisible": {"nadia"},
}
# Where a marker is meant for whoever holds the address: the invitation link.
MARKER_EXEMPTIONS = {"invitation_accept": {"invitee-a@example.org"}}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with world_of(build_world, django_db_blocker, tmp_path_factory.mktemp("access-matrix")) as w:
        yield w


@pytest.fixture(autouse=True)
def _world_files(_isolated, settings, world, db):
    use_world_files(settings, world)


# --- Expected answers ----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: int
    target: str | None = None  # a redirect: the URL name of its target...
    with_next: bool = False  # ...which carries ?next=<the address asked for>
    target_args: tuple[str, ...] = ()  # ...filled with these kwargs of the address asked for

    def __repr__(self) -> str:
        return f"{self.status}->{self.target}" if self.target else str(self.status)


OK = Outcome(200)
BAD_REQUEST = Outcome(400)
FORBIDDEN = Outcome(403)
NOT_FOUND = Outcome(404)
NOT_ALLOWED = Outcome(405)
LOGIN = Outcome(302, "account_login", with_next=True)
MFA = Outcome(302, "mfa_activate_totp")  # set up the second factor first
DENIALS = {FORBIDDEN, NOT_FOUND, LOGIN, MFA}


def to(name: str, *args: str) -> Outcome:
    return Outcome(302, name, target_args=args)


def spec(default: Outcome | dict, **who: Outcome) -> dict[str, Outcome]:
    """An answer per persona: `default` (an outcome, or a spec to start from) and exceptions."""
    base = dict(default) if isinstance(default, dict) else dict.fromkeys(PERSONAS, default)
    unknown = set(who) - set(PERSONAS)
    assert not unknown, unknown
    return {**base, **who}


PUBLIC = spec(OK)
SIGNED_IN = spec(OK, visitor=LOGIN)
# The organisation's members (admin or editor); everyone else, staff included, gets 404.
ORG_A = spec(NOT_FOUND, visitor=LOGIN, alice=OK, bob=OK)
ORG_B = spec(NOT_FOUND, visitor=LOGIN, charlie=OK)
ORG_A_OR_STAFF = spec(ORG_A, nadia=OK)
# Ids of two different organisations in one address, or an object nobody reaches that way.
NOBODY = spec(NOT_FOUND, visitor=LOGIN)
STAFF = spec(FORBIDDEN, visitor=LOGIN, nadia=OK, olivier=MFA)
ASSEMBLY = spec(FORBIDDEN, visitor=LOGIN, claire=OK, paul=OK, ines=MFA)
ASSEMBLY_OR_STAFF = spec(ASSEMBLY, nadia=OK, olivier=MFA)
# Who reads A's self-assessment on the agenda of session 2: its members, its reviewer, the
# assembly members seated there with their second factor (the recused one too), staff.
READERS_A2 = spec(NOT_FOUND, visitor=LOGIN, alice=OK, bob=OK, claire=OK, paul=OK, rita=OK, nadia=OK)
POST_ONLY = spec(NOT_ALLOWED, visitor=LOGIN)
REVIEWER = spec(NOT_FOUND, visitor=LOGIN, rita=OK)
# allauth's pages, as they behave.
ANONYMOUS_ONLY = spec(to("dashboard"), visitor=OK)
HAS_TOTP = ("claire", "paul", "nadia")


@dataclass(frozen=True)
class Entry:
    """What each persona gets from a GET of the address; `args` fills it from the world.
    A POST (with `post` as data) by each persona the GET refuses is refused the same way
    and changes nothing; `post_expect` replaces that rule (POST-only views), and
    `post_extra` adds personas whose POST must change nothing although their GET works."""

    expect: dict[str, Outcome]
    args: Callable[[SimpleNamespace], dict] = lambda w: {}
    query: str = ""
    post: dict | Callable[[SimpleNamespace], dict] | None = None
    post_expect: dict[str, Outcome] | None = None
    post_extra: dict[str, Outcome] = field(default_factory=dict)


def slug_a(w: SimpleNamespace) -> dict:
    """Only A's slug in the address."""
    return {"slug": w.a.slug}


MATRIX: dict[str, Entry] = {
    # --- Core, outside the language prefixes
    "set_language": Entry(spec(to("home"))),
    "commune_suggestions": Entry(PUBLIC, query="q=ren"),
    "healthz": Entry(PUBLIC),
    "robots_txt": Entry(PUBLIC),
    "sitemap": Entry(PUBLIC),
    "sitemap_section": Entry(PUBLIC, lambda w: {"section": "organisations"}),
    # --- Core pages
    "home": Entry(PUBLIC),
    "privacy": Entry(PUBLIC),
    "accessibility": Entry(PUBLIC),
    "personal_data": Entry(SIGNED_IN, post={}),
    "account_delete": Entry(SIGNED_IN, post={}),
    "dashboard": Entry(SIGNED_IN, post={}),
    "organisation_create": Entry(SIGNED_IN, post={"legal_name": "Intrus"}),
    "organisation_detail": Entry(ORG_A, slug_a, post={}),
    "organisation_edit": Entry(ORG_A, slug_a, post={"legal_name": "Nom changé"}),
    "member_invite": Entry(
        POST_ONLY,
        slug_a,
        post={"email": "intrus@example.org", "role": "admin"},
        post_expect=spec(NOT_FOUND, visitor=LOGIN, alice=None, bob=FORBIDDEN),
    ),
    "member_remove": Entry(
        POST_ONLY,
        lambda w: {"slug": w.a.slug, "pk": w.membership_bob.pk},
        post={},
        post_expect=spec(NOT_FOUND, visitor=LOGIN, alice=None, bob=FORBIDDEN),
    ),
    "offer_create": Entry(ORG_A, slug_a, post={"name": "Offre intruse"}),
    "offer_edit": Entry(ORG_A, lambda w: {"slug": w.a.slug, "pk": w.a.offer.pk}, post={}),
    "offer_delete": Entry(ORG_A, lambda w: {"slug": w.a.slug, "pk": w.a.offer.pk}, post={}),
    "invitation_accept": Entry(
        PUBLIC,
        lambda w: {"token": w.invitation.token},
        post={},
        # Only the invited address may accept; the link alone shows the invitation.
        post_expect=spec(BAD_REQUEST, visitor=OK),
    ),
    "staff_organisations": Entry(STAFF),
    "staff_organisation": Entry(STAFF, slug_a, post={"reason": "Suspension intruse"}),
    "staff_mails": Entry(STAFF),
    "staff_mail_retry": Entry(
        spec(STAFF, nadia=NOT_ALLOWED),
        lambda w: {"pk": w.failed_mail.pk},
        post={"email": "intrus@example.org"},
        post_expect=spec(STAFF, nadia=None),
    ),
    # --- allauth
    "account_login": Entry(ANONYMOUS_ONLY),
    "account_signup": Entry(ANONYMOUS_ONLY),
    "account_logout": Entry(spec(OK, visitor=to("home"))),
    "account_inactive": Entry(PUBLIC),
    "account_reauthenticate": Entry(SIGNED_IN),
    # Reauthentication by an emailed code is not enabled (ACCOUNT_REAUTHENTICATION_METHODS):
    # a code sent by email must not stand in for the password (nor the second factor).
    "account_request_reauthentication_code": Entry(spec(FORBIDDEN, visitor=LOGIN)),
    "account_confirm_reauthentication_code": Entry(spec(FORBIDDEN, visitor=LOGIN)),
    "account_email": Entry(SIGNED_IN),
    "account_email_verification_sent": Entry(PUBLIC),
    "account_change_password": Entry(SIGNED_IN),
    "account_set_password": Entry(spec(to("account_change_password"), visitor=LOGIN)),
    "account_reset_password": Entry(PUBLIC),
    "account_confirm_login_code": Entry(spec(to("dashboard"), visitor=to("account_login"))),
    "account_confirm_email": Entry(PUBLIC, lambda w: {"key": "inconnue"}),
    "account_reset_password_from_key_done": Entry(PUBLIC),
    "account_reset_password_from_key": Entry(PUBLIC, lambda w: {"uidb36": "1", "key": "inconnue"}),
    "account_reset_password_done": Entry(PUBLIC),
    "mfa_index": Entry(SIGNED_IN),
    "mfa_authenticate": Entry(spec(to("dashboard"), visitor=to("account_login"))),
    "mfa_reauthenticate": Entry(
        spec(to("account_reauthenticate"), visitor=LOGIN, **dict.fromkeys(HAS_TOTP, OK))
    ),
    "mfa_activate_totp": Entry(spec(to("account_reauthenticate"), visitor=LOGIN)),
    "mfa_deactivate_totp": Entry(
        spec(NOT_FOUND, visitor=LOGIN, **dict.fromkeys(HAS_TOTP, to("account_reauthenticate")))
    ),
    "mfa_view_recovery_codes": Entry(spec(NOT_FOUND, visitor=LOGIN)),
    "mfa_generate_recovery_codes": Entry(spec(to("account_reauthenticate"), visitor=LOGIN)),
    "mfa_download_recovery_codes": Entry(spec(NOT_FOUND, visitor=LOGIN)),
    # --- Showcase: only listed organisations
    "vitrine:list": Entry(PUBLIC),
    "vitrine:map": Entry(PUBLIC),
    "vitrine:geojson": Entry(PUBLIC),
    "vitrine:open_data": Entry(PUBLIC),
    "vitrine:feed": Entry(PUBLIC),
    "vitrine:export_csv": Entry(PUBLIC),
    "vitrine:export_offers_csv": Entry(PUBLIC),
    "vitrine:export_json": Entry(PUBLIC),
    "vitrine:export_geojson": Entry(PUBLIC),
    "vitrine:export_gogocarto": Entry(PUBLIC),
    "vitrine:organisation": Entry(PUBLIC, slug_a),
    "vitrine:offer": Entry(PUBLIC, lambda w: {"slug": w.a.slug, "pk": w.a.offer.pk}),
    # --- Référentiel: the organisation's self-assessment (A's draft "a3")
    "assessment_home": Entry(ORG_A, slug_a, post={}),
    "assessment_domain": Entry(
        ORG_A,
        lambda w: {"slug": w.a.slug, "pk": w.a.assessments["a3"].pk, "position": 1},
        post={"gouv-1": "False", "go": "stay"},
    ),
    "assessment_summary": Entry(ORG_A, lambda w: {"slug": w.a.slug, "pk": w.a.assessments["a3"].pk}, post={}),
    "evidence_delete": Entry(
        POST_ONLY,
        lambda w: {"slug": w.a.slug, "pk": w.a.assessments["a3"].pk, "evidence_pk": w.a.evidence["a3"].pk},
        post={},
        post_expect=spec(NOT_FOUND, visitor=LOGIN, alice=None, bob=None),
    ),
    "progress_plan": Entry(ORG_A, slug_a, post={}),
    # Reading an assessment: A's, on the agenda of session 2
    "assessment_result": Entry(READERS_A2, lambda w: {"pk": w.a.assessments["a2"].pk}),
    "assessment_pdf": Entry(READERS_A2, lambda w: {"pk": w.a.assessments["a2"].pk}),
    "evidence_download": Entry(
        READERS_A2, lambda w: {"pk": w.a.assessments["a2"].pk, "evidence_pk": w.a.evidence["a2"].pk}
    ),
    "review_reply": Entry(
        POST_ONLY,
        lambda w: {"pk": w.a.assessments["a2"].pk, "comment_pk": w.comment.pk},
        post={"text": "Réponse intruse"},
        # Those who may read the exchange but do not belong to the organisation: 403.
        post_expect=spec(
            READERS_A2,
            alice=None,
            bob=None,
            claire=FORBIDDEN,
            paul=FORBIDDEN,
            rita=FORBIDDEN,
            nadia=FORBIDDEN,
        ),
    ),
    "review_list": Entry(SIGNED_IN),
    "review_detail": Entry(
        REVIEWER, lambda w: {"pk": w.review.pk}, post={"summary": "Avis intrus", "go": "save"}
    ),
    # Staff
    "staff_referentiels": Entry(STAFF, post={"version": "90"}),  # would make a new draft version
    "staff_referentiel": Entry(STAFF, lambda w: {"version": 90}, post={}),
    "staff_criterion": Entry(STAFF, lambda w: {"version": 90, "pk": w.comment.criterion_id}, post={}),
    "staff_assessments": Entry(STAFF),
    "staff_assign_reviewers": Entry(
        STAFF, lambda w: {"pk": w.a.assessments["a2"].pk}, post={"email": "claire@example.org"}
    ),
    "staff_progress_plan": Entry(STAFF, slug_a, post={"do": "create"}),
    # --- Assembly: the organisation's application (A's is on the agenda: no step to edit)
    "application_home": Entry(ORG_A, slug_a, post={}),
    "application_step": Entry(
        spec(ORG_A, alice=to("application_home", "slug"), bob=to("application_home", "slug")),
        lambda w: {"slug": w.a.slug, "step": 5},
        post={},
    ),
    "application_withdraw": Entry(ORG_A, slug_a, post={}),
    "application_certificate": Entry(
        ORG_A_OR_STAFF, lambda w: {"slug": w.a.slug, "pk": w.a.applications[1].pk}
    ),
    # Staff
    "staff_applications": Entry(STAFF),
    "staff_application": Entry(
        STAFF, lambda w: {"pk": w.a.applications[2].pk}, post={"action": "send_back", "renvoi-message": "Non"}
    ),
    "staff_colleges": Entry(STAFF, post={}),
    "staff_mandates": Entry(STAFF, post=lambda w: {"action": "end", "mandate": w.mandate_claire.pk}),
    "staff_sessions": Entry(STAFF),
    "staff_session_new": Entry(STAFF, post={}),
    "staff_session": Entry(STAFF, lambda w: {"pk": w.s2.pk}, post={"action": "close"}),
    # Assembly members
    "assembly_home": Entry(ASSEMBLY),
    "assembly_session": Entry(ASSEMBLY, lambda w: {"pk": w.s2.pk}),
    "assembly_item": Entry(
        ASSEMBLY,
        lambda w: {"pk": w.s2.pk, "item_pk": w.a.items[2].pk},
        post={"action": "ballot", "choice": "refuse"},
        post_extra={"paul": OK},  # recused: the form says why, no ballot is stored
    ),
    "assembly_results": Entry(ASSEMBLY_OR_STAFF, lambda w: {"pk": w.s1.pk}),
    "assembly_minutes": Entry(ASSEMBLY_OR_STAFF, lambda w: {"pk": w.s1.pk}),
    # --- Subsidies: staff
    "staff_grants": Entry(STAFF),
    "staff_grant_new": Entry(STAFF, post={}),
    "staff_grant": Entry(
        STAFF,
        lambda w: {"pk": w.a.grant.pk},
        post=lambda w: {"action": "pay", "instalment": w.a.grant.instalments.earliest("planned_on").pk},
    ),
    "staff_grant_edit": Entry(STAFF, lambda w: {"pk": w.a.draft_grant.pk}, post={}),
    "staff_grant_pdf": Entry(STAFF, lambda w: {"pk": w.a.grant.pk}),
    "staff_grant_followup_pdf": Entry(STAFF, lambda w: {"pk": w.a.grant.pk}),
    "staff_report": Entry(STAFF, lambda w: {"pk": w.a.report.pk}, post={"action": "validate"}),
    "staff_report_evidence": Entry(STAFF, lambda w: {"pk": w.a.report.pk}),
    "staff_programmes": Entry(STAFF),
    "staff_programme_new": Entry(STAFF, post={}),
    "staff_programme_edit": Entry(STAFF, lambda w: {"pk": w.programme.pk}, post={}),
    "staff_grants_dashboard": Entry(STAFF),
    "staff_grants_dashboard_csv": Entry(STAFF),
    "staff_stakes": Entry(STAFF),
    "staff_stake_new": Entry(STAFF, post={}),
    # The organisation's grants
    "organisation_grants": Entry(ORG_A, slug_a),
    "member_grant": Entry(ORG_A, lambda w: {"slug": w.a.slug, "pk": w.a.grant.pk}),
    "member_grant_followup_pdf": Entry(ORG_A, lambda w: {"slug": w.a.slug, "pk": w.a.grant.pk}),
    "member_report": Entry(
        ORG_A,
        lambda w: {"slug": w.a.slug, "pk": w.a.grant.pk, "report_pk": w.a.report.pk},
        post={"value": "1", "comment": "Valeur intruse"},
    ),
    "member_report_evidence": Entry(
        ORG_A, lambda w: {"slug": w.a.slug, "pk": w.a.grant.pk, "report_pk": w.a.report.pk}
    ),
    # Open data
    "open_data_grants": Entry(PUBLIC),
    "open_data_grants_csv": Entry(PUBLIC, lambda w: {"year": w.a.grant.convention_date.year}),
}

VARIANTS: dict[str, dict[str, Entry]] = {
    # Organisation B's draft application, step by step: Charlie only.
    "application_step": {
        f"B-step-{step}": Entry(ORG_B, lambda w, step=step: {"slug": w.b.slug, "step": step}, post={})
        for step in range(1, 6)
    },
    "application_certificate": {
        # A's slug, B's admitted application.
        "A-slug-B-application": Entry(NOBODY, lambda w: {"slug": w.a.slug, "pk": w.b.applications[1].pk}),
        "B": Entry(spec(ORG_B, nadia=OK), lambda w: {"slug": w.b.slug, "pk": w.b.applications[1].pk}),
    },
    "organisation_detail": {"B": Entry(ORG_B, lambda w: {"slug": w.b.slug}, post={})},
    "organisation_edit": {"B": Entry(ORG_B, lambda w: {"slug": w.b.slug}, post={"legal_name": "Nom changé"})},
    "offer_edit": {
        "A-slug-B-offer": Entry(NOBODY, lambda w: {"slug": w.a.slug, "pk": w.b.offer.pk}, post={"name": "X"}),
    },
    "offer_delete": {
        "A-slug-B-offer": Entry(NOBODY, lambda w: {"slug": w.a.slug, "pk": w.b.offer.pk}, post={})
    },
    "member_remove": {
        "A-slug-B-membership": Entry(
            POST_ONLY,
            lambda w: {"slug": w.a.slug, "pk": w.membership_charlie.pk},
            post={},
            post_expect=spec(NOT_FOUND, visitor=LOGIN, bob=FORBIDDEN),
        ),
    },
    "vitrine:organisation": {
        "unlisted": Entry(spec(NOT_FOUND), lambda w: {"slug": w.unlisted.slug}),
        "B": Entry(PUBLIC, lambda w: {"slug": w.b.slug}),
    },
    "vitrine:offer": {
        "unlisted": Entry(spec(NOT_FOUND), lambda w: {"slug": w.unlisted.slug, "pk": w.unlisted.offer.pk}),
        "A-slug-B-offer": Entry(spec(NOT_FOUND), lambda w: {"slug": w.a.slug, "pk": w.b.offer.pk}),
    },
    "assessment_domain": {
        "A-slug-B-assessment": Entry(
            NOBODY, lambda w: {"slug": w.a.slug, "pk": w.b.assessments["b2"].pk, "position": 1}, post={}
        ),
        "B": Entry(ORG_B, lambda w: {"slug": w.b.slug, "pk": w.b.assessments["b2"].pk, "position": 1}),
    },
    "assessment_summary": {
        "A-slug-B-assessment": Entry(
            NOBODY, lambda w: {"slug": w.a.slug, "pk": w.b.assessments["b2"].pk}, post={}
        ),
    },
    "evidence_delete": {
        "A-assessment-B-evidence": Entry(
            POST_ONLY,
            lambda w: {
                "slug": w.a.slug,
                "pk": w.a.assessments["a3"].pk,
                "evidence_pk": w.b.evidence["b2"].pk,
            },
            post={},
            post_expect=spec(NOT_FOUND, visitor=LOGIN),
        ),
    },
    "assessment_result": {
        # A's draft, on no agenda: neither the assembly nor the reviewer read it.
        "A-draft": Entry(spec(ORG_A_OR_STAFF), lambda w: {"pk": w.a.assessments["a3"].pk}),
        # B's, decided at session 1 where Claire and Paul sat.
        "B-session-1": Entry(
            spec(NOT_FOUND, visitor=LOGIN, charlie=OK, claire=OK, paul=OK, nadia=OK),
            lambda w: {"pk": w.b.assessments["b1"].pk},
        ),
    },
    "assessment_pdf": {"A-draft": Entry(NOBODY, lambda w: {"pk": w.a.assessments["a3"].pk})},
    "evidence_download": {
        "A-draft": Entry(
            ORG_A_OR_STAFF, lambda w: {"pk": w.a.assessments["a3"].pk, "evidence_pk": w.a.evidence["a3"].pk}
        ),
        "A2-with-A3-evidence": Entry(
            NOBODY, lambda w: {"pk": w.a.assessments["a2"].pk, "evidence_pk": w.a.evidence["a3"].pk}
        ),
        "A2-with-B1-evidence": Entry(
            NOBODY, lambda w: {"pk": w.a.assessments["a2"].pk, "evidence_pk": w.b.evidence["b1"].pk}
        ),
    },
    "assembly_session": {
        "draft-session": Entry(spec(ASSEMBLY, claire=NOT_FOUND, paul=NOT_FOUND), lambda w: {"pk": w.s3.pk}),
    },
    "assembly_item": {
        "session-2-with-session-1-item": Entry(
            spec(ASSEMBLY, claire=NOT_FOUND, paul=NOT_FOUND),
            lambda w: {"pk": w.s2.pk, "item_pk": w.a.items[1].pk},
            post={"action": "ballot", "choice": "refuse"},
        ),
    },
    "member_grant": {
        "A-draft-grant": Entry(NOBODY, lambda w: {"slug": w.a.slug, "pk": w.a.draft_grant.pk}),
        "A-slug-B-grant": Entry(NOBODY, lambda w: {"slug": w.a.slug, "pk": w.b.grant.pk}),
        "B": Entry(ORG_B, lambda w: {"slug": w.b.slug, "pk": w.b.grant.pk}),
    },
    "member_grant_followup_pdf": {
        "A-draft-grant": Entry(NOBODY, lambda w: {"slug": w.a.slug, "pk": w.a.draft_grant.pk}),
        "A-slug-B-grant": Entry(NOBODY, lambda w: {"slug": w.a.slug, "pk": w.b.grant.pk}),
    },
    "member_report": {
        "A-grant-B-report": Entry(
            NOBODY,
            lambda w: {"slug": w.a.slug, "pk": w.a.grant.pk, "report_pk": w.b.report.pk},
            post={"value": "1", "comment": "Valeur intruse"},
        ),
    },
    "member_report_evidence": {
        "A-grant-B-report": Entry(
            NOBODY, lambda w: {"slug": w.a.slug, "pk": w.a.grant.pk, "report_pk": w.b.report.pk}
        ),
        "B": Entry(ORG_B, lambda w: {"slug": w.b.slug, "pk": w.b.grant.pk, "report_pk": w.b.report.pk}),
    },
    "personal_data": {"json": Entry(SIGNED_IN, query="format=json")},
}


# --- Walking the URL configuration ---------------------------------------------------------


def named_urls(patterns=None, namespace: str | None = None):
    """(name, pattern) for every named pattern, namespaces included, the French addresses only
    (i18n_patterns resolve the same names under /en/)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def url_names() -> set[str]:
    return {name for name, _pattern in named_urls()}


def cases(with_variants: bool = True):
    for name, entry in MATRIX.items():
        yield name, "", entry
        if with_variants:
            for label, variant in VARIANTS.get(name, {}).items():
                yield name, label, variant


def case_id(name: str, label: str) -> str:
    return f"{name}[{label}]" if label else name


# --- Running a case ------------------------------------------------------------------------


def sign_in(client, world: SimpleNamespace, persona: str) -> None:
    if persona != "visitor":
        client.force_login(getattr(world, persona))


def address(world: SimpleNamespace, name: str, entry: Entry) -> tuple[str, dict]:
    kwargs = entry.args(world)
    url = reverse(name, kwargs=kwargs)
    return (f"{url}?{entry.query}" if entry.query else url), kwargs


def body_of(response) -> str:
    # A streamed body read to its end: the test client closes the response itself, without
    # closing the database connection (which a plain response.close() would, on PostgreSQL).
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return html.unescape(content.decode("utf-8", "ignore"))


def check_outcome(response, expected: Outcome, url: str, kwargs: dict) -> None:
    assert response.status_code == expected.status, (
        f"{url}: expected {expected!r}, got {response.status_code} {response.get('Location', '')}"
    )
    if expected.status != 302:
        return
    location = urlsplit(response["Location"])
    target = reverse(expected.target, kwargs={key: kwargs[key] for key in expected.target_args})
    assert location.path == target, f"{url} redirects to {response['Location']}, not to {target}"
    if expected.with_next:
        assert parse_qs(location.query).get("next") == [url], response["Location"]


def check_no_leak(text: str, name: str, persona: str) -> None:
    compact = re.sub(r"[\s\u00a0\u202f]", "", text)
    exempt = MARKER_EXEMPTIONS.get(name, set())
    leaked = [
        marker
        for marker, readers in MARKERS.items()
        if persona not in readers and marker not in exempt and (marker in text or marker in compact)
    ]
    assert not leaked, f"{name} shows {persona} what they may not read: {leaked}"


def snapshot() -> dict[str, list]:
    """Every row of the project's tables (and allauth's), to show that nothing changed."""
    tables = {}
    with connection.cursor() as cursor:
        for label in ("solidaire", "referentiel", "assemblee", "subventions", "account", "mfa"):
            for model in apps.get_app_config(label).get_models(include_auto_created=True):
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608 -- a table name of our models
                tables[model._meta.label] = cursor.fetchall()
    return tables


# --- The tests -----------------------------------------------------------------------------


def test_every_named_url_has_an_entry() -> None:
    names = {name for name in url_names() if not name.startswith("admin:")}
    missing = sorted(names - set(MATRIX))
    stale = sorted(set(MATRIX) - names)
    assert not missing, f"URL names without an entry in MATRIX: {missing}"
    assert not stale, f"MATRIX entries for URL names that no longer exist: {stale}"
    assert set(VARIANTS) <= set(MATRIX)
    for name, label, entry in cases():
        assert set(entry.expect) == set(PERSONAS), case_id(name, label)


GET_CASES = [
    pytest.param(name, label, persona, id=f"{case_id(name, label)}-{persona}")
    for name, label, _entry in cases()
    for persona in PERSONAS
]


@pytest.mark.parametrize(("name", "label", "persona"), GET_CASES)
def test_get(client, world, name, label, persona) -> None:
    entry = VARIANTS[name][label] if label else MATRIX[name]
    url, kwargs = address(world, name, entry)
    sign_in(client, world, persona)
    response = client.get(url)
    check_outcome(response, entry.expect[persona], url, kwargs)
    check_no_leak(body_of(response), name, persona)


def post_expectations(entry: Entry) -> dict[str, Outcome]:
    if entry.post_expect is not None:
        return {persona: outcome for persona, outcome in entry.post_expect.items() if outcome is not None}
    refused = {persona: outcome for persona, outcome in entry.expect.items() if outcome in DENIALS}
    return {**refused, **entry.post_extra}


POST_CASES = [
    pytest.param(name, label, persona, id=f"{case_id(name, label)}-{persona}")
    for name, label, entry in cases()
    if entry.post is not None
    for persona in post_expectations(entry)
]


@pytest.mark.parametrize(("name", "label", "persona"), POST_CASES)
def test_refused_post_changes_nothing(client, world, name, label, persona) -> None:
    entry = VARIANTS[name][label] if label else MATRIX[name]
    url, kwargs = address(world, name, entry)
    data = entry.post(world) if callable(entry.post) else entry.post
    sign_in(client, world, persona)
    before = snapshot()
    response = client.post(url, data)
    check_outcome(response, post_expectations(entry)[persona], url, kwargs)
    check_no_leak(body_of(response), name, persona)
    assert snapshot() == before, f"a refused POST to {url} by {persona} changed the database"


# The markers are not searched in vain: their readers do see them.
SHOWN = [
    ("assessment_domain", "", "alice", ["statuts-a3.pdf"]),
    ("assessment_result", "", "claire", ["statuts-a2.pdf", "Synthèse de relecture de Rita"]),
    ("assessment_result", "", "rita", ["statuts-a2.pdf"]),
    ("assessment_result", "B-session-1", "paul", ["statuts-b1.pdf"]),
    ("application_step", "B-step-4", "charlie", ["statuts-b2.pdf"]),
    ("member_report", "", "bob", ["justificatif-rapport-A.pdf"]),
    ("staff_report", "", "nadia", ["Commentaire confidentiel du rapport A", "justificatif-rapport-A.pdf"]),
    ("member_report_evidence", "B", "charlie", ["justificatif-rapport-B.pdf"]),
    ("staff_grants", "", "nadia", ["Projet confidentiel", "73914,58"]),
    ("staff_grant_edit", "", "nadia", ["CP-BROUILLON-A", "73914,58"]),
    ("assembly_item", "", "claire", ["statuts-a2.pdf", "Commentaire de vote de Claire"]),
    ("assembly_item", "", "paul", ["Motif de conflit de Paul"]),
    ("organisation_detail", "", "alice", ["invitee-a@example.org"]),
    ("staff_organisations", "", "nadia", ["Collectif Invisible"]),
    ("staff_mails", "", "nadia", ["refus-permanent@example.org"]),
]


@pytest.mark.parametrize(
    ("name", "label", "persona", "markers"),
    [pytest.param(*row, id=f"{case_id(row[0], row[1])}-{row[2]}") for row in SHOWN],
)
def test_markers_are_shown_to_their_readers(client, world, name, label, persona, markers) -> None:
    entry = VARIANTS[name][label] if label else MATRIX[name]
    url, _kwargs = address(world, name, entry)
    sign_in(client, world, persona)
    text = re.sub(r"[\u00a0\u202f]", " ", body_of(client.get(url)))
    text += re.sub(r"\s", "", text)
    assert all(marker in text for marker in markers), [m for m in markers if m not in text]
    assert all(persona in MARKERS[marker] for marker in markers)


HEAD_CASES = [
    pytest.param(name, id=name)
    for name, label, entry in cases(with_variants=False)
    # commune_suggestions is the form's autocomplete: GET only (require_GET).
    if entry.expect == PUBLIC and not name.startswith("account_") and name != "commune_suggestions"
]


@pytest.mark.parametrize("name", HEAD_CASES)
def test_head_of_public_pages(client, world, name) -> None:
    url, _kwargs = address(world, name, MATRIX[name])
    response = client.head(url)
    assert response.status_code == 200
    assert body_of(response) == ""


# --- Django's admin: Django admins only (is_staff), not the Region's staff group -----------

ADMIN_PERSONAS = ["visitor", "dave", "nadia"]  # nadia: the Region's staff group is not the admin


def admin_address(pattern: URLPattern, name: str) -> str:
    """Any value fits the admin's converters: refused people never reach the object."""
    kwargs = {key: "solidaire" if key == "app_label" else "1" for key in pattern.pattern.regex.groupindex}
    return reverse(name, kwargs=kwargs)


ADMIN_CASES = [
    pytest.param(name, persona, id=f"{name}-{persona}")
    for name, _pattern in named_urls()
    if name.startswith("admin:") and name not in ("admin:login", "admin:logout")
    for persona in ADMIN_PERSONAS
]


@pytest.mark.parametrize(("name", "persona"), ADMIN_CASES)
def test_admin_refuses_who_is_not_a_django_admin(client, world, name, persona) -> None:
    pattern = dict(named_urls())[name]
    sign_in(client, world, persona)
    url = admin_address(pattern, name)
    response = client.get(url)
    assert response.status_code == 302, url
    location = urlsplit(response["Location"])
    assert location.path == reverse("admin:login")
    assert parse_qs(location.query).get("next") == [url]


def test_admin_opens_to_a_superuser_only(client, world) -> None:
    # The admin has no login form of its own: allauth's, with the second factor.
    assert client.get(reverse("admin:login"))["Location"].startswith(reverse("account_login"))
    sign_in_with_totp(client, make_user("root@region.example", is_staff=True, is_superuser=True, totp=True))
    assert client.get(reverse("admin:index")).status_code == 200


# --- Private files have no public address ---------------------------------------------------


def test_private_files_are_not_served_as_media(client, world) -> None:
    """SERVE_MEDIA serves MEDIA_ROOT at /media/ (an unnamed pattern): evidence, reports,
    minutes and certificates live in the private storage, out of its reach."""
    names = [
        world.a.evidence["a2"].file.name,
        world.a.report.evidence.name,
        world.s1.minutes.name,
        world.a.items[1].certificate.name,
    ]
    client.force_login(world.alice)
    for name in names:
        assert name
        for path in (f"/media/{name}", f"/media/../private/{name}", f"/media/%2e%2e/private/{name}"):
            assert client.get(path).status_code in (400, 404), path
