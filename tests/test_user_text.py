"""Text that users write and others read is escaped (or, in data exports, kept as data).

Every free text that one person writes and another reads is given a hostile value, through
the project's services and test factories: a distinctive word, then
`<script>alert("x")</script><img src=x onerror=alert(1)>`. Each page, PDF, email and export
where ANOTHER person reads that text is then fetched, and:

- HTML (pages, the HTML part of emails, the Atom summary): the escaped text is there
  (`KwWord &lt;script&gt;...`) and no raw `<script>alert` or `<img src=x` is anywhere;
- PDF: the text reads back literally, markup characters included (had it reached WeasyPrint
  unescaped, the `<script>` element would be dropped and the `<img>` left out);
- JSON, GeoJSON, CSV, JSON-LD and plain-text emails: the value comes back exactly as it was
  written, in a format that is not HTML (data, not markup), and the JSON-LD block of the
  showcase is not closed early by the `</script>` inside the text.

Not covered, because the platform shows them to nobody but their author:
- ballot comments: only the member who voted reads theirs (assembly item page); neither the
  staff session page nor the results nor the minutes show them. The world still holds one,
  so that every page fetched here would fail, were it ever shown there raw;
- conflict-of-interest reasons: only the member who declared the conflict reads it;
- progress-plan commitment notes are NOT shown to staff: the staff page of a plan lists the
  commitments without their notes, and no other staff page shows them. They are read by the
  organisation's other members (tested) and nobody else.

The world is built once for the module inside a transaction rolled back at the end (as in
tests/test_access_matrix.py); each test runs in a savepoint of it.
"""

import csv
import html
import io
import json
import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pypdf import PdfReader

from assemblee import services as assembly
from referentiel import services as referentiel_services
from referentiel import tasks as referentiel_tasks
from referentiel.models import Commitment, Criterion, ProgressPlan
from solidaire import services as core
from solidaire import tasks as core_tasks
from solidaire.lib.documents import check_document
from solidaire.models import Membership, Organisation, OutgoingMail
from subventions import services as subsidies
from subventions.models import Report
from tests.assemblee.factory import make_colleges, make_member, make_session, ready_application
from tests.factory import add_member, make_offer, make_organisation, make_user
from tests.referentiel.conftest import FULL_ANSWERS, answer_all
from tests.referentiel.factory import make_referentiel, pdf_bytes
from tests.subventions.factory import awarded_grant, make_indicator, make_programme
from tests.worlds import body_text, use_world_files, world_of

MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'
RAW = ("<script>alert", "<img src=x")


def hostile(word: str) -> str:
    return f"{word} {MARKUP}"


# Who writes what: each text holds a word of its own, so that a failure names the text.
TEXTS = {
    "org_name": hostile("KwOrgName"),  # an organisation's usual name (its members)
    "org_description": hostile("KwOrgDescription"),  # its description (its members)
    "offer_name": hostile("KwOfferName"),  # an offer's name (its members)
    "offer_description": hostile("KwOfferDescription"),  # an offer's description (its members)
    "answer_text": hostile("KwAnswerText"),  # a free-text answer of the self-assessment
    "answer_comment": hostile("KwAnswerComment"),  # a comment on an answer
    # An uploaded file keeps only the base name: no "/" (of "</script>") in it.
    "evidence_name": "KwEvidenceName <img src=x onerror=alert(1)>.pdf",
    "reviewer_name": hostile("KwReviewerName"),  # the peer reviewer's full name (her account)
    "review_summary": hostile("KwReviewSummary"),  # the peer reviewer
    "review_comment": hostile("KwReviewComment"),  # the peer reviewer, on each criterion
    "reply": hostile("KwReply"),  # the organisation, answering a review comment
    "commitment_action": hostile("KwCommitmentAction"),  # staff, drafting a progress plan
    "commitment_note": hostile("KwCommitmentNote"),  # a member, on a commitment's progress
    "ballot_comment": hostile("KwBallotComment"),  # an assembly member (read by nobody else)
    "grant_purpose": hostile("KwGrantPurpose"),  # staff, drafting a grant
    "report_comment": hostile("KwReportComment"),  # a member, handing in a report
    "correction": hostile("KwCorrection"),  # staff, asking for a report's correction
    "incomplete": hostile("KwIncomplete"),  # staff, sending an application back
    "suspension": hostile("KwSuspension"),  # staff, suspending a listing
}


# --- The world -----------------------------------------------------------------------------


def build_world() -> SimpleNamespace:
    """A (Alice admin, Bob editor) is listed, with an offer, and renews: its application is on
    the agenda of an open session where Claire sits and voted; Rita reviewed its
    self-assessment and Alice replied to her; staff drafted a progress plan that Alice
    updates; A's grant has a report handed in by Alice and sent back by staff. B (Charlie)
    had its application sent back as incomplete. C (Sam) was listed, then suspended."""
    w = SimpleNamespace()
    make_referentiel()
    colleges = make_colleges()
    today = timezone.localdate()
    w.nadia = nadia = make_user("nadia@region.example", full_name="Nadia Benali", staff=True)
    w.alice = alice = make_user("alice@example.org", full_name="Alice Martin")
    w.bob = make_user("bob@example.org", full_name="Bob Leroy")
    w.charlie = charlie = make_user("charlie@example.org", full_name="Charlie Durand")
    w.sam = sam = make_user("sam@example.org", full_name="Sam Girard")
    w.claire = claire = make_member(colleges[0], "claire@example.org", full_name="Claire Dubois")
    for college in colleges[1:3]:  # the college quorum needs seated members in three of five
        make_member(college)
    w.rita = rita = make_user("rita@example.org", full_name=TEXTS["reviewer_name"])
    make_organisation("Ressourcerie du Canal", admin=rita, status=Organisation.Status.LISTED)

    # A: profile and offer written by its members.
    w.a = a = make_organisation(
        "Atelier du Réemploi", admin=alice, usual_name=TEXTS["org_name"], description=TEXTS["org_description"]
    )
    add_member(a, w.bob, Membership.Role.EDITOR)
    w.offer = make_offer(a, name=TEXTS["offer_name"], description=TEXTS["offer_description"])

    # A's application: a self-assessment with hostile answers and evidence, submitted.
    application = assembly.start_application(a, by=alice)
    assessment = referentiel_services.start_assessment(a, by=alice)
    answers = {**FULL_ANSWERS, "gouv-2": (3, TEXTS["answer_comment"]), "gouv-3": (TEXTS["answer_text"], "")}
    answer_all(assessment, alice, answers)
    statutes = Criterion.objects.get(code="gouv-1", domain__referentiel=assessment.referentiel)
    upload = check_document(SimpleUploadedFile(TEXTS["evidence_name"], pdf_bytes()))
    referentiel_services.add_evidence(assessment, statutes, upload, alice)
    w.application = application = assembly.submit(application, by=alice)
    core.admit(a, by=None)  # listed: on the showcase, eligible for a grant
    a.refresh_from_db()
    w.assessment = assessment = application.assessment

    # On the agenda of an open session; Claire votes with a comment.
    w.session = session = make_session(nadia)
    w.item = item = assembly.put_on_agenda(application, session, by=nadia)
    assembly.publish_session(session, by=nadia)
    assembly.cast_ballot(item, claire, "admit", TEXTS["ballot_comment"])

    # Rita's peer review, and Alice's reply to her first comment.
    w.review = review = referentiel_services.assign_reviewer(assessment, rita, by=nadia)
    criteria = Criterion.objects.filter(domain__referentiel=assessment.referentiel)
    opinions = {c.pk: (True, TEXTS["review_comment"]) for c in criteria}
    referentiel_services.save_review(review, opinions, TEXTS["review_summary"], submit=True)
    w.comment = review.comments.order_by("pk").first()
    referentiel_services.reply_to_comment(w.comment, TEXTS["reply"], by=alice)

    # A progress plan drafted by staff (after the application: an unfinished plan forbids a
    # new one), handed over, and a note of Alice's on its commitment.
    gouvernance = Criterion.objects.get(code="gouv-2", domain__referentiel=assessment.referentiel)
    w.plan = plan = referentiel_services.open_progress_plan(
        a,
        by=nadia,
        origin=ProgressPlan.Origin.STAFF,
        commitments=[(gouvernance, TEXTS["commitment_action"], today + timedelta(days=10))],
    )
    referentiel_services.start_plan(plan, by=nadia)
    w.commitment = plan.commitments.get()
    referentiel_services.update_commitment(
        w.commitment, status=Commitment.Status.IN_PROGRESS, note=TEXTS["commitment_note"], by=alice
    )

    # A's grant: the purpose by staff, a report by Alice, sent back by staff.
    indicator = make_indicator()
    programme = make_programme(indicators=[indicator])
    w.grant = grant = awarded_grant(
        a,
        programme,
        nadia,
        indicator=indicator,
        first_due=today - timedelta(days=10),
        purpose=TEXTS["grant_purpose"],
    )
    report = Report.objects.filter(grant_indicator__grant=grant).earliest("due_date")
    report = subsidies.submit_report(
        report, value=Decimal(950), comment=TEXTS["report_comment"], evidence=None, by=alice
    )
    w.report = subsidies.request_correction(report, message=TEXTS["correction"], by=nadia)

    # B: its application sent back as incomplete.
    w.b = b = make_organisation("Coopérative des Deux Rives", admin=charlie)
    w.b_application = assembly.send_back(ready_application(b, charlie), nadia, TEXTS["incomplete"])

    # C: listed, then suspended by staff.
    w.c = c = make_organisation("Épicerie Solidaire", admin=sam, status=Organisation.Status.LISTED)
    core.suspend(c, nadia, TEXTS["suspension"])
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with world_of(build_world, django_db_blocker, tmp_path_factory.mktemp("user-text")) as w:
        yield w


@pytest.fixture(autouse=True)
def _world_files(_isolated, settings, world, db):
    use_world_files(settings, world)


# --- Checks --------------------------------------------------------------------------------


def raw_markup(text: str) -> list[str]:
    """Each raw occurrence of the hostile markup, with what precedes it (naming the text)."""
    return [
        text[max(0, match.start() - 80) : match.end()]
        for needle in RAW
        for match in re.finditer(re.escape(needle), text)
    ]


def assert_escaped(text: str, keys: tuple[str, ...], where: str) -> None:
    """`text` is HTML: each of `keys` is shown escaped, and no hostile markup is there raw."""
    assert not raw_markup(text), f"{where} holds raw markup: {raw_markup(text)}"
    missing = [key for key in keys if escape(TEXTS[key]) not in text]
    assert not missing, f"{where} does not show, escaped: {missing}"


def get(client, world, persona: str | None, url: str):
    if persona:
        client.force_login(getattr(world, persona))
    response = client.get(url)
    assert response.status_code == 200, f"{persona} gets {response.status_code} from {url}"
    return response


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def compact(text: str) -> str:
    """Without white space: a PDF breaks lines wherever the text reaches the margin."""
    return re.sub(r"\s", "", text)


# --- HTML pages ----------------------------------------------------------------------------


# Arguments of the addresses, from the world.
def a_slug(w):
    return [w.a.slug]


def a_assessment(w):
    return [w.assessment.pk]


def a_item(w):
    return [w.session.pk, w.item.pk]


def a_grant(w):
    return [w.a.slug, w.grant.pk]


def nothing(w):
    return []


PROFILE = ("org_name", "org_description", "offer_name", "offer_description")
ANSWERS = ("answer_comment", "answer_text", "evidence_name")  # by A's members
REVIEW = ("review_summary", "review_comment", "reviewer_name")  # by the reviewer

# (reader, URL name, its arguments, the texts written by someone else that the page must
# show escaped). The reader is never the author of those texts.
PAGES = [
    # The public showcase: a visitor reads what A's members wrote.
    (None, "vitrine:organisation", a_slug, PROFILE),
    (None, "vitrine:offer", lambda w: [w.a.slug, w.offer.pk], ("org_name", *PROFILE[2:])),
    (None, "vitrine:list", nothing, PROFILE[:3]),
    # A's members read the peer review; Bob reads what Alice wrote too.
    ("alice", "assessment_result", a_assessment, REVIEW),
    ("bob", "assessment_result", a_assessment, ("org_name", *REVIEW, "reply", *ANSWERS)),
    ("bob", "organisation_detail", a_slug, ("org_name", "org_description", "offer_name")),
    # The reviewer reads the organisation's reply, answers and evidence.
    ("rita", "assessment_result", a_assessment, ("org_name", "reply", *ANSWERS)),
    ("rita", "review_detail", lambda w: [w.review.pk], ("org_name", *ANSWERS)),
    # An assembly member reads the whole file of A's application, the progress plan included.
    ("claire", "assembly_item", a_item, (*PROFILE, *ANSWERS, *REVIEW, "reply", "commitment_action")),
    ("claire", "assembly_session", lambda w: [w.session.pk], ("org_name",)),
    # Staff read the file (profile, evidence, reviewers), the review, the report comment.
    (
        "nadia",
        "staff_application",
        lambda w: [w.application.pk],
        (*PROFILE, "evidence_name", "reviewer_name"),
    ),
    ("nadia", "assessment_result", a_assessment, ("org_name", *REVIEW, "reply", *ANSWERS)),
    ("nadia", "staff_assign_reviewers", a_assessment, ("org_name", "reviewer_name")),
    ("nadia", "staff_session", lambda w: [w.session.pk], ("org_name",)),
    ("nadia", "staff_report", lambda w: [w.report.pk], ("org_name", "report_comment")),
    ("nadia", "staff_organisation", a_slug, ("org_name",)),
    # Progress plan: Bob reads staff's commitment and Alice's note (staff see no notes).
    ("bob", "progress_plan", a_slug, ("org_name", "commitment_action", "commitment_note")),
    # A's members read what staff wrote about their grant and report.
    ("bob", "member_report", lambda w: [*a_grant(w), w.report.pk], ("correction",)),
    ("bob", "member_grant", a_grant, ("org_name", "grant_purpose")),
    ("bob", "organisation_grants", a_slug, ("grant_purpose",)),
    # B's admin reads staff's "incomplete" message wherever the application shows.
    ("charlie", "application_home", lambda w: [w.b.slug], ("incomplete",)),
    ("charlie", "application_step", lambda w: [w.b.slug, 1], ("incomplete",)),
    ("charlie", "dashboard", nothing, ("incomplete",)),
    # C's admin reads the reason staff gave for the suspension.
    ("sam", "organisation_detail", lambda w: [w.c.slug], ("suspension",)),
]


@pytest.mark.parametrize(
    ("persona", "name", "args", "keys"),
    [pytest.param(*page, id=f"{page[1]}-{page[0] or 'visitor'}") for page in PAGES],
)
def test_text_written_by_others_is_shown_escaped(client, world, persona, name, args, keys) -> None:
    url = reverse(name, args=args(world))
    assert_escaped(body_text(get(client, world, persona, url)), keys, url)


def test_a_ballot_comment_is_escaped_for_its_author_and_never_raw_on_session_pages(client, world) -> None:
    """Claire's own item page shows her ballot comment; the session pages never show it raw."""
    item_url = reverse("assembly_item", args=[world.session.pk, world.item.pk])
    assert_escaped(body_text(get(client, world, "claire", item_url)), ("ballot_comment",), item_url)
    session_url = reverse("assembly_session", args=[world.session.pk])
    assert_escaped(body_text(get(client, world, "claire", session_url)), (), session_url)
    staff_url = reverse("staff_session", args=[world.session.pk])
    assert_escaped(body_text(get(client, world, "nadia", staff_url)), (), staff_url)


def test_a_search_is_echoed_escaped(client, world) -> None:
    """The words searched come back in the title and the active filters of the list."""
    words = hostile("KwSearch")
    url = f"{reverse('vitrine:list')}?{urlencode({'q': words})}"
    text = body_text(get(client, world, None, url))
    assert not raw_markup(text), raw_markup(text)
    assert escape(words) in text


# --- The showcase's JSON-LD, feed and exports ---------------------------------------------

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def test_the_json_ld_block_holds_the_texts_and_is_not_closed_by_them(client, world) -> None:
    text = body_text(get(client, world, None, reverse("vitrine:organisation", args=[world.a.slug])))
    blocks = JSON_LD.findall(text)
    assert len(blocks) == 1, "the JSON-LD element was cut short (or is missing)"
    assert not raw_markup(blocks[0])
    data = json.loads(blocks[0])  # cut at the "</script>" of a text, it would not parse
    assert data["name"] == TEXTS["org_name"]
    assert data["description"] == TEXTS["org_description"]
    [offer] = data["makesOffer"]
    assert offer["itemOffered"]["name"] == TEXTS["offer_name"]
    assert offer["itemOffered"]["description"] == TEXTS["offer_description"]


ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_atom_feed_gives_feed_readers_the_texts_as_text(client, world) -> None:
    """An Atom `summary` of type "html" is markup for feed readers once the XML is parsed:
    the description must then be HTML-escaped inside it; a "text" one holds it as written."""
    response = get(client, world, None, reverse("vitrine:feed"))
    assert not raw_markup(body_text(response))
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own response, not untrusted data
    [entry] = [e for e in root.iter(f"{ATOM}entry") if "KwOrgName" in e.findtext(f"{ATOM}title")]
    title = entry.find(f"{ATOM}title")
    assert title.get("type", "text") == "text"
    assert title.text.startswith(TEXTS["org_name"])
    summary = entry.find(f"{ATOM}summary")
    if summary.get("type", "text") == "text":
        assert summary.text == TEXTS["org_description"]
    else:
        assert summary.get("type") == "html"
        assert_escaped(summary.text, ("org_description",), "the feed entry's summary (type html)")


def _exported_organisation(records: list[dict]) -> dict:
    [record] = [r for r in records if r.get("nom", r.get("name")) == TEXTS["org_name"]]
    return record


JSON_EXPORTS = ["vitrine:export_json", "vitrine:export_geojson", "vitrine:export_gogocarto"]


@pytest.mark.parametrize("name", JSON_EXPORTS)
def test_json_exports_give_the_texts_as_data(client, world, name) -> None:
    """Data, not markup: the exact text, in a JSON document never sniffed as HTML."""
    response = get(client, world, None, reverse(name))
    assert response["Content-Type"].split(";")[0] in ("application/json", "application/geo+json")
    assert response["X-Content-Type-Options"] == "nosniff"
    document = json.loads(body_text(response))
    if name == "vitrine:export_geojson":
        records = [feature["properties"] for feature in document["features"]]
    else:
        records = document["organisations" if name == "vitrine:export_json" else "data"]
    record = _exported_organisation(records)
    assert record["description"] == TEXTS["org_description"]
    [offer] = record.get("offres", record.get("offers"))
    assert offer["nom"] == TEXTS["offer_name"]
    assert offer["description"] == TEXTS["offer_description"]


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("vitrine:export_csv", {"nom": "org_name", "description": "org_description"}),
        (
            "vitrine:export_offers_csv",
            {"organisation_nom": "org_name", "nom": "offer_name", "description": "offer_description"},
        ),
    ],
)
def test_csv_exports_give_the_texts_as_data(client, world, name, columns) -> None:
    response = get(client, world, None, reverse(name))
    assert response["Content-Type"].startswith("text/csv")
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = list(csv.DictReader(io.StringIO(body_text(response))))
    [row] = [r for r in rows if TEXTS["org_name"] in (r.get("nom"), r.get("organisation_nom"))]
    assert {column: row[column] for column in columns} == {c: TEXTS[key] for c, key in columns.items()}


def test_the_open_data_of_grants_gives_the_purpose_as_data(client, world) -> None:
    url = reverse("open_data_grants_csv", kwargs={"year": world.grant.convention_date.year})
    response = get(client, world, None, url)
    assert response["Content-Type"].startswith("text/csv")
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = csv.DictReader(io.StringIO(body_text(response)))
    [row] = [r for r in rows if r["objet"].startswith("KwGrantPurpose")]
    assert row["objet"] == TEXTS["grant_purpose"]


# --- PDFs ----------------------------------------------------------------------------------

PDFS = [
    ("claire", "assessment_pdf", a_assessment, ("answer_comment", "answer_text")),
    ("rita", "assessment_pdf", a_assessment, ("answer_comment", "answer_text")),
    ("bob", "member_grant_followup_pdf", a_grant, ("grant_purpose",)),
    ("nadia", "staff_grant_pdf", lambda w: [w.grant.pk], ("org_name",)),
    ("nadia", "staff_grant_followup_pdf", lambda w: [w.grant.pk], ("org_name",)),
]


@pytest.mark.parametrize(
    ("persona", "name", "args", "keys"),
    [pytest.param(*pdf, id=f"{pdf[1]}-{pdf[0]}") for pdf in PDFS],
)
def test_pdfs_print_the_texts_literally(client, world, persona, name, args, keys) -> None:
    """Escaped in the HTML that WeasyPrint reads, the text is printed with its "<" and ">";
    unescaped, the <script> element would be dropped and the <img> left out."""
    response = get(client, world, persona, reverse(name, args=args(world)))
    assert response["Content-Type"] == "application/pdf"
    text = compact(pdf_text(response.content))
    missing = [key for key in keys if compact(TEXTS[key]) not in text]
    assert not missing, f"the PDF does not print, literally: {missing}"


# --- Emails --------------------------------------------------------------------------------
# The services write them in the transaction of the event and send them after the commit,
# which never comes inside a test: the task that the commit would start is called here as
# Celery would.


def html_part(message) -> str:
    [content] = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    return content


def send_queued(template: str) -> None:
    core_tasks.send_mail(list(OutgoingMail.objects.filter(template=template).values_list("pk", flat=True)))


def send_back_email(w) -> None:
    send_queued("application_incomplete")


def correction_email(w) -> None:
    send_queued("report_correction")


def commitment_reminder(w) -> None:
    """The commitment is due in ten days: its "15 days before" reminder is due now."""
    referentiel_tasks.send_commitment_reminders()
    send_queued("commitment_before_15")


A_MEMBERS = {"alice@example.org", "bob@example.org"}
EMAILS = [
    ("application_incomplete", send_back_email, {"charlie@example.org"}, "incomplete"),
    ("report_correction", correction_email, A_MEMBERS, "correction"),
    ("commitment_before_15", commitment_reminder, A_MEMBERS, "commitment_action"),
]


@pytest.mark.parametrize(
    ("template", "send", "recipients", "key"), [pytest.param(*email, id=email[0]) for email in EMAILS]
)
def test_emails_escape_the_html_part_and_keep_the_text_part_verbatim(
    world, mailoutbox, template, send, recipients, key
) -> None:
    send(world)
    assert {address for message in mailoutbox for address in message.to} == recipients
    for message in mailoutbox:
        assert_escaped(html_part(message), (key,), f"the HTML part of {template}")
        # Plain text is not HTML: what staff wrote, as they wrote it.
        assert TEXTS[key] in message.body
        assert html.escape(TEXTS[key]) not in message.body
