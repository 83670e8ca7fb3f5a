"""Property-based fuzzing (Hypothesis) of what people send to the platform: the query
strings of the pages, and the POST data of every form.

The properties:

- a page answers 200, 301, 302, 400 or 404 whatever its query string holds (text in any
  script, NUL bytes, huge and negative numbers, repeated and unknown parameters, strings
  that look like SQL or HTML), never a server error;
- a page that did not understand a filter says so, in French, and still shows its page;
- an export streams to its end, and holds every organisation of the selection;
- a form that refuses a submission changes nothing in the database, and says in French,
  in the page, what it refused.

Each property builds its data once, then runs its examples one after the other, each in a
savepoint rolled back at its end, with a fresh client and an empty cache, so that no
example sees what another one wrote. `FUZZ_EXAMPLES` changes the number of examples.
"""

import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, is_dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.test.utils import ContextList
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from solidaire.models import DomainMet, LegalForm, Membership, OfferCategory, Organisation, Sector, User
from tests.factory import PASSWORD, make_commune, make_organisation, make_user, valid_siret
from tests.referentiel.factory import pdf_bytes
from tests.vitrine.conftest import add_offer, make_listed
from vitrine.filters import select_organisations

EXAMPLES = int(os.getenv("FUZZ_EXAMPLES", "30"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
ALLOWED = {200, 301, 302, 400, 404}

# Words of Django's own English messages: a message that holds one was not translated.
ENGLISH = re.compile(
    r"\b(This field|Enter a|Enter an|Select a valid|Ensure this|Ensure that|is required|are not allowed"
    r"|is not a valid|must be|already exists|The submitted|No file|Upload a valid|Please|Constraint"
    r"|Invalid|invalid value|Null characters)\b"
)

# --- Values people (and robots) send ----------------------------------------------------------

NASTY = [
    "",
    " ",
    "\t\n",
    "\x00",
    "a\x00b",
    "1\x00",
    "'",
    "' OR '1'='1",
    "1; DROP TABLE solidaire_organisation; --",
    "%",
    "_",
    "%_%",
    "\\",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}",
    "{% debug %}",
    "../../../etc/passwd",
    "%00",
    "%ff",
    "-1",
    "0",
    "-0",
    "00",
    "1.5",
    "1,5",
    "1 200,50",
    "1e3",
    "1e309",
    "-1e309",
    "NaN",
    "sNaN",
    "Infinity",
    "-inf",
    "9" * 40,
    "-" + "9" * 40,
    str(2**63),
    str(-(2**63) - 1),
    str(2**31),
    "²",
    "٣",
    "１２",
    "𝟙",
    "Ⅻ",
    "ß",
    "İ",
    "e\u0301",
    "\u202e",
    "\ufeff",
    "\u200b",
    "\u00a0",
    "🙂",
    "2A",
    "2B",
    "976",
    "35238",
    "a" * 201,
    "é" * 300,
    "x" * 5000,
    "[]",
    "{}",
    "null",
    "true",
    "on",
]
# Text in any script, without the lone surrogates no browser can send.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=3).map(str),
    st.floats().map(str),
)
DATES = st.one_of(
    st.dates().map(date.isoformat),
    st.dates().map(lambda day: day.strftime("%d/%m/%Y")),
    st.sampled_from(
        [
            "0001-01-01",
            "9999-12-31",
            "9999-12-25",
            "0001-01-05",
            "2026-02-30",
            "2026-13-01",
            "0000-01-01",
            "10000-01-01",
            "2026-1-1",
            "31/12/9999",
            "01/01/0001",
            "2026-06-15T25:61",
        ]
    ),
)
DATETIMES = st.one_of(
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    DATES,
    st.sampled_from(["9999-12-31T23:59", "0001-01-01T00:00", "2026-06-15T24:00", "2026-06-15 10:00"]),
)
ANY = st.one_of(st.sampled_from(NASTY), TEXT, NUMBERS)


@dataclass(frozen=True)
class Upload:
    """A file to post; turned into a fresh upload for each request."""

    name: str
    content: bytes

    def file(self) -> SimpleUploadedFile:
        return SimpleUploadedFile(self.name, self.content)


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()
UPLOADS = st.one_of(
    st.sampled_from(
        [
            Upload("statuts.pdf", pdf_bytes()),
            Upload("logo.png", PNG),
            Upload("vide.pdf", b""),
            Upload("faux.pdf", b"<html>not a pdf</html>"),
            Upload("../../etc/passwd", pdf_bytes()),
            Upload("a" * 300 + ".pdf", pdf_bytes()),
            Upload("tronqué.png", PNG[:20]),
            Upload("bombe.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
        ]
    ),
    st.builds(
        Upload,
        # A file always has a name: one that is a bare path ("/", "..") is not a file a
        # browser can send (Django's parser drops it too).
        st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20).filter(
            lambda name: os.path.basename(name) not in {"", ".", ".."}
        ),
        st.binary(max_size=64),
    ),
)


def one_or_many(values: st.SearchStrategy) -> st.SearchStrategy:
    """A value, or the same parameter repeated."""
    return st.one_of(values, st.lists(values, min_size=2, max_size=3))


def query_params(names: dict[str, list[str]]) -> st.SearchStrategy[dict]:
    """Query strings over `names` (each with a few valid values), with unknown names too."""
    known = {
        name: one_or_many(st.one_of(st.sampled_from(valid), ANY) if valid else ANY)
        for name, valid in names.items()
    }
    unknown = st.dictionaries(
        st.one_of(TEXT.filter(bool), st.sampled_from(["page[]", "q[]", "__proto__", "format", "_"])),
        one_or_many(ANY),
        max_size=2,
    )
    return st.tuples(st.fixed_dictionaries({}, optional=known), unknown).map(
        lambda pair: {**pair[1], **pair[0]}
    )


def last(value: str | list[str]) -> str:
    """What QueryDict.get() reads of a parameter: its last value."""
    return value[-1] if isinstance(value, list) else value


# --- Isolation of the examples ----------------------------------------------------------------


class _RolledBack(Exception):
    """Raised at the end of each example to undo what it wrote."""


@contextmanager
def rolled_back() -> Iterator[None]:
    cache.clear()  # the showcase's pages, allauth's rate limits
    translation.activate("fr")
    try:
        with transaction.atomic():
            yield
            raise _RolledBack
    except _RolledBack:
        pass


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def body_of(response: HttpResponse) -> bytes:
    """The whole body; a streamed one is read to its end."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


# Tables whose rows no page changes, or that every request may change (sessions).
UNWATCHED = {"sessions.session", "contenttypes.contenttype", "auth.permission", "admin.logentry"}
COUNTED = {"solidaire.commune", "solidaire.departement", "solidaire.region"}
IGNORED_COLUMNS = {"last_login"}


def database_state() -> dict[str, Any]:
    """Every row of every table a form may write, to compare before and after a request."""
    state: dict[str, Any] = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in UNWATCHED:
            continue
        rows = model._base_manager.order_by("pk")
        if label in COUNTED:
            state[label] = rows.count()
            continue
        columns = [f.attname for f in model._meta.concrete_fields if f.attname not in IGNORED_COLUMNS]
        state[label] = list(rows.values_list(*columns))
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


# --- The public pages -------------------------------------------------------------------------


@pytest.fixture
def showcase(db) -> list[Organisation]:
    """Three listed organisations in two régions, with offers; one hidden."""
    rennes = make_commune("35238", "Rennes", "35000")
    brest = make_commune("29019", "Brest", "29200", latitude=48.39, longitude=-4.49)
    repair = make_listed("Repair Café de Rennes", commune=rennes, description="Ateliers de réparation.")
    add_offer(repair, "Ateliers du samedi", description="Venez avec vos appareils en panne.")
    epicerie = make_listed(
        "Épicerie solidaire de Brest",
        commune=brest,
        sector=Sector.objects.get(code="alimentation"),
        legal_form=LegalForm.objects.get(code="association"),
        since=date(2024, 6, 1),
    )
    add_offer(epicerie, "Réparation de vélos", "transport")
    from solidaire.models import Departement, Region

    region = Region.objects.create(code="84", name="Auvergne-Rhône-Alpes")
    Departement.objects.create(code="69", name="Rhône", region=region)
    lyon = make_commune("69123", "Lyon", "69001", latitude=45.76, longitude=4.83)
    cinema = make_listed("Cinéma des Canuts", commune=lyon, sector=Sector.objects.get(code="culture"))
    DomainMet.objects.create(organisation=repair, code="gouvernance")
    make_organisation("Réparation cachée", status=Organisation.Status.SUSPENDED, commune=rennes)
    return [repair, epicerie, cinema]


FILTERS = {
    "q": ["réparation", "vélo", "Repair Café", "-café", '"atelier"'],
    "region": ["53", "84", "11"],
    "departement": ["35", "29", "69", "2A", "971"],
    "commune": ["35238", "29019", "69123", "2A004"],
    "filiere": ["economie-circulaire", "alimentation", "culture", "inconnue"],
    "forme": ["scic", "association", "sarl"],
    "categorie": ["reparation", "transport", "culture"],
    "domaine": ["gouvernance", "environnement", "gouvernance\n"],
    "tri": ["pertinence", "nom", "recent"],
    "page": ["1", "2", "0", "-1", "99999"],
}
# What a filter accepts once Django has stripped it (CharField strips, the list of domains
# does not); anything else must be reported on the page.
CODE = r"[-a-zA-Z0-9_]{1,60}"
SHAPES = {
    "region": r"[0-9]{2,3}",
    "departement": r"[0-9]{2,3}|2[AB]",
    "commune": r"[0-9][0-9AB][0-9]{3}",
    "filiere": CODE,
    "forme": CODE,
    "categorie": CODE,
}
LABELS = {
    "q": "Recherche",
    "region": "Région",
    "departement": "Département",
    "commune": "Commune",
    "filiere": "Filière",
    "forme": "Forme juridique",
    "categorie": "Catégorie d&#x27;offre",
    "domaine": "Domaines du référentiel satisfaits",
    "tri": "Tri",
}


def misunderstood(params: dict) -> set[str]:
    """The filters of `params` that the showcase must say it did not understand. A parameter
    whose values are all blank is not one of them: the page's redirect drops it."""
    params = {
        name: value
        for name, value in params.items()
        if any(v.strip() for v in (value if isinstance(value, list) else [value]))
    }
    wrong = set()
    for name, pattern in SHAPES.items():
        if name in params:
            value = last(params[name]).strip()
            if value and not re.fullmatch(pattern, value):
                wrong.add(name)
    if "q" in params:
        value = last(params["q"]).strip()
        if len(value) > 200 or "\x00" in value:
            wrong.add("q")
    if "tri" in params and last(params["tri"]).strip() not in ("", "pertinence", "nom", "recent"):
        wrong.add("tri")
    if "domaine" in params:
        values = params["domaine"] if isinstance(params["domaine"], list) else [params["domaine"]]
        if any(value and not re.fullmatch(CODE, value) for value in dict.fromkeys(values)):
            wrong.add("domaine")
    return wrong


HTML_PAGES = ["vitrine:list", "vitrine:map"]
EXPORTS = {
    "vitrine:export_csv": "csv",
    "vitrine:export_offers_csv": "offres-csv",
    "vitrine:export_json": "json",
    "vitrine:export_geojson": "geojson",
    "vitrine:export_gogocarto": "gogocarto",
}


def check_showcase_html(response: HttpResponse, params: dict, hidden: str) -> None:
    text = response.text
    assert hidden not in text
    wrong = misunderstood(params)
    errors = response.context["panel"].errors
    if wrong:
        assert "Ces critères n'ont pas été compris et ne sont pas appliqués" in text
        for name in wrong:
            assert f"<li>{LABELS[name]} : " in text, name
    for error in errors:
        assert error in text
        assert not ENGLISH.search(error), error
    if "page" in response.context:
        page = response.context["page"]
        assert 1 <= page.number <= page.paginator.num_pages


def check_export(fmt: str, body: bytes, params) -> None:
    organisations = select_organisations(params)
    if fmt in ("csv", "offres-csv"):
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
        assert rows[0], "the header line"
        expected = organisations.count()
        if fmt == "offres-csv":
            from solidaire.models import Offer

            expected = Offer.objects.filter(organisation__in=organisations).count()
        assert len(rows) - 1 == expected
        return
    document = json.loads(body)
    key = {"json": "organisations", "geojson": "features", "gogocarto": "data"}[fmt]
    assert len(document[key]) == organisations.count()


@pytest.mark.parametrize("name", [*HTML_PAGES, "vitrine:geojson", *EXPORTS])
def test_the_showcase_answers_any_query_string(showcase, name: str) -> None:
    url = reverse(name)
    visitor = make_user("visiteuse@example.org")

    @FUZZ
    @given(params=query_params(FILTERS), signed_in=st.booleans())
    @example(params={"q": "réparation", "domaine": " "}, signed_in=False)  # dropped, not refused
    def check(params: dict, signed_in: bool) -> None:
        with rolled_back():
            client = client_for(visitor if signed_in else None)
            response = client.get(url, params, follow=True)
            assert response.status_code in ALLOWED
            if response.status_code != 200:
                return
            request = response.wsgi_request
            assert request.path == url
            body = body_of(response)
            if name in HTML_PAGES:
                # The redirect dropped the empty parameters that a GET form sends.
                assert all(any(v.strip() for v in values) for _name, values in request.GET.lists())
                check_showcase_html(response, params, "Réparation cachée")
            elif name == "vitrine:geojson":
                features = json.loads(body)["features"]
                assert len(features) == select_organisations(request.GET).count()
            else:
                check_export(EXPORTS[name], body, request.GET)
            if not signed_in:  # the second time, from the cache: the same answer
                again = client.get(request.get_full_path())
                assert again.status_code == 200
                if name not in HTML_PAGES:
                    assert body_of(again) == body

    check()


# --- What a page shows of the forms it was sent ----------------------------------------------


def _context_values(response: HttpResponse) -> Iterator[Any]:
    context = response.context
    if context is None:
        return
    for layer in context if isinstance(context, ContextList) else [context]:
        for values in layer.dicts:
            yield from values.values()


def bound_forms(response: HttpResponse) -> list[forms.BaseForm | forms.BaseFormSet]:
    """The bound forms and formsets a page was rendered with (also inside dataclasses such
    as the grant's GrantForms, and lists of (object, form) pairs)."""
    found: dict[int, Any] = {}

    def visit(value: Any, depth: int) -> None:
        if isinstance(value, forms.BaseForm | forms.BaseFormSet):
            if value.is_bound:
                found[id(value)] = value
        elif depth and is_dataclass(value) and not isinstance(value, type):
            for name in value.__dataclass_fields__:
                visit(getattr(value, name), depth - 1)
        elif depth and isinstance(value, list | tuple):
            for item in value[:100]:
                visit(item, depth - 1)

    for value in _context_values(response):
        visit(value, 2)
    return list(found.values())


def error_messages(form: forms.BaseForm | forms.BaseFormSet) -> list[str]:
    """The errors a form found, if it was validated (never validating it here: the page
    only shows what the view asked for)."""
    if isinstance(form, forms.BaseFormSet):
        if form._errors is None:
            return []
        messages = [str(m) for m in form._non_form_errors or []]
        # A row marked for deletion is not validated (Django leaves its errors out of the
        # formset's), so that the page has nothing to say about it.
        rows = [each for each in form.forms if not (form.can_delete and form._should_delete_form(each))]
        return messages + [m for each in rows for m in error_messages(each)]
    if form._errors is None:
        return []
    return [str(message) for messages in form._errors.values() for message in messages]


def sent_strings(data: dict) -> list[str]:
    values = []
    for value in data.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and len(item.strip()) >= 3:
                values.append(item)
    return sorted(values, key=len, reverse=True)


def assert_french(message: str, data: dict) -> None:
    """No English words of Django's messages, once what was sent (and may be quoted in the
    message) is taken out."""
    for value in sent_strings(data):
        message = message.replace(value, "").replace(value.strip(), "")
    assert not ENGLISH.search(message), f"English message: {message!r}"


def assert_shown(message: str, text: str) -> None:
    assert escape(message) in text, f"The message {message!r} is not on the page."


def check_errors_shown(response: HttpResponse, data: dict) -> list[str]:
    """Every error of every bound form of the page is on the page, in French."""
    messages = [m for form in bound_forms(response) for m in error_messages(form)]
    text = response.text
    for message in messages:
        assert_shown(message, text)
        assert_french(message, data)
    return messages


def queued_messages(response: HttpResponse) -> list:
    storage = getattr(response.wsgi_request, "_messages", None)
    return list(storage) if storage is not None else []


def is_html(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


# --- Form submissions -------------------------------------------------------------------------


def choice_values(choice_field: forms.ChoiceField) -> list[str]:
    values = []
    for value, label in choice_field.choices:
        if isinstance(label, list | tuple):  # a group of choices
            values += [str(v) for v, _label in label]
        else:
            values.append(str(value))
    return [value for value in values if value]


def values_for(form_field: forms.Field) -> st.SearchStrategy:
    """Fuzz for a field: what its widget may send, and anything else."""
    if isinstance(form_field, forms.FileField):
        return st.one_of(UPLOADS, ANY)
    if isinstance(form_field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        valid = choice_values(form_field)
        item = st.one_of(st.sampled_from(valid), ANY) if valid else ANY
        return st.lists(item, max_size=3)
    if isinstance(form_field, forms.ChoiceField | forms.ModelChoiceField):
        valid = choice_values(form_field)
        return st.one_of(st.sampled_from(valid), ANY) if valid else ANY
    if isinstance(form_field, forms.BooleanField | forms.NullBooleanField):
        return st.one_of(st.sampled_from(["on", "true", "false", "1", "0", "unknown"]), ANY)
    if isinstance(form_field, forms.DateTimeField):
        return st.one_of(DATETIMES, ANY)
    if isinstance(form_field, forms.DateField):
        return st.one_of(DATES, ANY)
    if isinstance(form_field, forms.DecimalField | forms.IntegerField | forms.FloatField):
        return st.one_of(NUMBERS, st.sampled_from(NASTY))
    if isinstance(form_field, forms.EmailField):
        return st.one_of(st.emails().map(str), ANY)
    if isinstance(form_field, forms.URLField):
        urls = ["https://exemple.fr", "http://[::1]:80/", "javascript:alert(1)", "https://" + "a" * 300]
        return st.one_of(st.sampled_from(urls), ANY)
    return ANY


def fields_of(*items: forms.BaseForm | forms.BaseFormSet) -> dict[str, st.SearchStrategy]:
    """The names a browser posts for these unbound forms and formsets, with their fuzz."""
    fields: dict[str, st.SearchStrategy] = {}
    for item in items:
        if isinstance(item, forms.BaseFormSet):
            for bound in item.management_form:
                fields[bound.html_name] = st.one_of(
                    st.sampled_from(["0", "1", "2", "3", "1000", "1001"]), NUMBERS, ANY
                )
            fields.update(fields_of(*item.forms))
        else:
            for bound in item:
                fields[bound.html_name] = values_for(bound.field)
    return fields


@dataclass
class FormCase:
    """A page whose form a user who may post it fuzzes.

    `good` is a submission the page accepts; `controls` the values of its buttons and hidden
    ids; `offline` builds the form(s) as the view does, to know which submissions it must
    refuse; `then` goes on after an accepted one (awarding a drafted grant, say)."""

    user: User | None
    url: str
    forms: list = field(default_factory=list)
    good: dict = field(default_factory=dict)
    controls: dict[str, list[str]] = field(default_factory=dict)
    offline: Callable[[Any, Any], list] | None = None
    then: Callable[[Client, HttpResponse], None] | None = None

    @cached_property
    def fields(self) -> dict[str, st.SearchStrategy]:
        fields = fields_of(*self.forms)
        for name, values in self.controls.items():
            fields[name] = st.one_of(st.sampled_from(values), ANY) if values else ANY
        return fields


@st.composite
def submissions(draw: st.DrawFn, case: FormCase) -> dict:
    """The good submission with some fields changed or left out, and unknown fields; it
    shrinks towards the good submission."""
    names = sorted(case.fields)
    perturbed = draw(st.sets(st.sampled_from(names))) if names else set()
    data = {name: value for name, value in case.good.items() if name not in perturbed}
    for name in sorted(perturbed):
        if draw(st.booleans()):
            data[name] = draw(one_or_many(case.fields[name]))
        else:
            data.pop(name, None)
    unknown = draw(st.dictionaries(TEXT.filter(bool), one_or_many(ANY), max_size=2))
    return {**{k: v for k, v in unknown.items() if k not in case.fields}, **data}


def to_post(data: dict) -> dict:
    """The data for the test client: each Upload becomes a new file."""

    def convert(value: Any) -> Any:
        if isinstance(value, list):
            return [convert(item) for item in value]
        return value.file() if isinstance(value, Upload) else value

    # A browser always sends the CSRF token (the test client does not check it).
    return {"csrfmiddlewaretoken": "x" * 64, **{name: convert(value) for name, value in data.items()}}


def offline_errors(case: FormCase, data: dict) -> list[str] | None:
    """The errors the view's form(s) find in `data`, as the view validates them (one after
    the other, stopping at the first invalid one); None when there is no oracle."""
    if case.offline is None:
        return None
    from django.test import RequestFactory

    request = RequestFactory().post(case.url, to_post(data))
    with translation.override("fr"):
        built = case.offline(request.POST, request.FILES)
        if built is None:
            return None
        for form in built:
            if not form.is_valid():
                return error_messages(form) or ["(formulaire refusé)"]
    return []


def submit(case: FormCase, data: dict) -> HttpResponse:
    """Posts `data` and checks what any submission must give."""
    client = client_for(case.user)
    expected = offline_errors(case, data)
    before = database_state()
    response = client.post(case.url, to_post(data))
    assert response.status_code in ALLOWED, response.status_code
    shown = check_errors_shown(response, data) if response.status_code == 200 and is_html(response) else []
    for message in queued_messages(response):
        assert_french(str(message), data)
    if shown or expected:
        assert not changed_tables(before, database_state()), "a refused submission changed the database"
    if expected:
        if response.status_code == 200:
            text = response.text
            for message in expected:
                if message != "(formulaire refusé)":
                    assert_shown(message, text)
        else:
            assert response.status_code == 302, response.status_code
            assert any(m.level == message_levels.ERROR for m in queued_messages(response)), (
                "a refused submission was redirected without an error message"
            )
    if case.then is not None and response.status_code == 302:
        case.then(client, response)
    return response


def posted(*items: forms.BaseForm | forms.BaseFormSet) -> dict:
    """What a browser posts for these unbound forms, left as they are shown."""
    data: dict[str, Any] = {}
    for item in items:
        if isinstance(item, forms.BaseFormSet):
            data.update({bound.html_name: str(bound.value()) for bound in item.management_form})
            data.update(posted(*item.forms))
            continue
        for bound in item:
            value, widget = bound.value(), bound.field.widget
            if value is None or isinstance(bound.field, forms.FileField):
                continue
            if isinstance(widget, forms.CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
                continue
            shown = widget.format_value(value)
            if isinstance(shown, list):
                if getattr(widget, "allow_multiple_selected", False):
                    data[bound.html_name] = [str(v) for v in shown]
                elif shown and shown[0] != "":
                    data[bound.html_name] = str(shown[0])
            elif shown is not None:
                data[bound.html_name] = str(shown)
    return data


# --- The data the forms need ------------------------------------------------------------------


def days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)


class World:
    """What the forms of a test need, built on first use (each test builds its own)."""

    @cached_property
    def alice(self) -> User:
        return make_user("alice@example.org", full_name="Alice Martin")

    @cached_property
    def org_a(self) -> Organisation:
        """Alice's SCIC, a draft."""
        return make_organisation("Atelier du Réemploi", admin=self.alice)

    @cached_property
    def charlie(self) -> User:
        """Admin of a listed organisation: a possible peer reviewer."""
        user = make_user("charlie@example.org", full_name="Charlie Durand")
        make_organisation("Coopérative des Deux Rives", admin=user, status=Organisation.Status.LISTED)
        return user

    @cached_property
    def dave(self) -> User:
        return make_user("dave@example.org", full_name="Dave Petit")

    @cached_property
    def nadia(self) -> User:
        return make_user("nadia@region.example", full_name="Nadia Benali", staff=True)

    # Référentiel and self-assessments

    @cached_property
    def referentiel(self):
        from tests.referentiel.factory import make_referentiel

        return make_referentiel()

    @cached_property
    def draft_referentiel(self):
        from tests.referentiel.factory import make_referentiel

        return make_referentiel(91, publish=False)

    def criterion(self, code: str, referentiel=None):
        from referentiel.models import Criterion

        referentiel = referentiel or self.referentiel
        return Criterion.objects.get(domain__referentiel=referentiel, code=code)

    @cached_property
    def draft_assessment(self):
        from referentiel import services

        _ = self.referentiel  # built first
        return services.start_assessment(self.org_a, by=self.alice)

    @cached_property
    def completed_assessment(self):
        from tests.subventions.factory import assess

        _ = self.referentiel  # built first
        return assess(self.org_a, self.alice)

    @cached_property
    def review(self):
        from referentiel import services

        return services.assign_reviewer(self.completed_assessment, self.charlie, by=self.nadia)

    @cached_property
    def review_comment(self):
        """A comment of a submitted review, that the organisation may answer."""
        from referentiel import services
        from referentiel.models import Criterion

        criteria = Criterion.objects.filter(domain__referentiel=self.referentiel)
        opinions = {c.pk: (True, "Bien documenté.") for c in criteria}
        services.save_review(self.review, opinions, "Une relecture.", submit=True)
        return self.review.comments.order_by("pk").first()

    @cached_property
    def plan(self):
        """A démarche de progrès handed over to Alice's organisation, one commitment."""
        from referentiel import services
        from referentiel.models import ProgressPlan

        plan = services.open_progress_plan(
            self.org_a,
            by=self.nadia,
            origin=ProgressPlan.Origin.STAFF,
            commitments=[(self.criterion("gouv-2"), "Ouvrir le conseil aux usagers.", days(60))],
        )
        return services.start_plan(plan, by=self.nadia)

    @cached_property
    def draft_plan(self):
        from referentiel import services
        from referentiel.models import ProgressPlan

        _ = self.referentiel  # built first
        return services.open_progress_plan(self.org_a, by=self.nadia, origin=ProgressPlan.Origin.STAFF)

    # Applications and the assembly

    @cached_property
    def application(self):
        """Alice's application in progress, with a self-assessment whose evidence is missing."""
        from assemblee import services

        _ = self.draft_assessment  # built first
        return services.start_application(self.org_a, by=self.alice)

    @cached_property
    def submitted_application(self):
        from tests.assemblee.factory import ready_application

        return ready_application(self.org_a, self.alice)

    @cached_property
    def colleges(self):
        from tests.assemblee.factory import make_colleges

        return make_colleges()

    @cached_property
    def claire(self) -> User:
        from tests.assemblee.factory import make_member

        return make_member(self.colleges[0], "claire@example.org", full_name="Claire Dubois")

    @cached_property
    def draft_session(self):
        from tests.assemblee.factory import make_session

        return make_session(self.nadia, opens_in=timedelta(days=1))

    @cached_property
    def item(self):
        """An item of a published session where Claire sits."""
        from assemblee import services
        from tests.assemblee.factory import make_member, make_session, on_agenda

        _ = self.claire  # built first
        for college in self.colleges[1:3]:  # the college quorum needs seated members in three of five
            make_member(college)
        session = make_session(self.nadia)
        on_agenda(self.submitted_application, session, self.nadia)
        session = services.publish_session(session, by=self.nadia)
        return session.items.get()

    # Subsidies

    @cached_property
    def listed_org_a(self) -> Organisation:
        _ = self.completed_assessment  # built first
        Organisation.objects.filter(pk=self.org_a.pk).update(status=Organisation.Status.LISTED)
        self.org_a.refresh_from_db()
        return self.org_a

    @cached_property
    def indicator(self):
        from tests.subventions.factory import make_indicator

        return make_indicator()

    @cached_property
    def programme(self):
        from tests.subventions.factory import make_programme

        _ = self.referentiel  # built first
        return make_programme(indicators=[self.indicator], rules={"gouv-2": Decimal(2)})

    @cached_property
    def draft_grant(self):
        from subventions import services
        from tests.subventions.factory import draft

        grant = draft(self.listed_org_a, self.programme, self.nadia)
        services.set_instalments(grant, [(date(2026, 2, 1), Decimal(24_000))], by=self.nadia)
        return grant

    @cached_property
    def grant(self):
        """Awarded; its first report is due in ten days, and may be handed in."""
        from tests.subventions.factory import awarded_grant

        return awarded_grant(
            self.listed_org_a, self.programme, self.nadia, indicator=self.indicator, first_due=days(10)
        )

    @cached_property
    def report(self):
        from subventions.models import Report

        return Report.objects.filter(grant_indicator__grant=self.grant).order_by("due_date").first()

    @cached_property
    def submitted_report(self):
        from subventions import services

        return services.submit_report(
            self.report, value=Decimal(950), comment="", evidence=None, by=self.alice
        )


@pytest.fixture
def world(db) -> World:
    return World()


# --- Every form, as a user who may post it -----------------------------------------------------

CASES: dict[str, Callable[[World], FormCase]] = {}


def case(build: Callable[[World], FormCase]) -> Callable[[World], FormCase]:
    CASES[build.__name__] = build
    return build


def _organisation_data(w: World) -> dict:
    make_commune()
    return {
        "legal_name": "Ressourcerie du Port",
        "usual_name": "",
        "siret": valid_siret(4242),
        "legal_form": str(LegalForm.objects.get(code="scic").pk),
        "sector": str(Sector.objects.get(code="economie-circulaire").pk),
        "address": "2 quai de la Prévalaye",
        "commune": "Rennes",
        "website": "https://ressourcerie.example",
        "contact_email": "contact@ressourcerie.example",
        "contact_phone": "02 99 00 00 00",
        "description": "Une ressourcerie qui collecte, répare et revend.",
        "logo": Upload("logo.png", PNG),
    }


def _offer_data() -> dict:
    return {
        "kind": "service",
        "category": str(OfferCategory.objects.get(code="reparation").pk),
        "name": "Atelier vélo",
        "description": "Réparer son vélo avec un bénévole.",
        "availability": "Rennes et alentours",
        "photo": Upload("photo.png", PNG),
    }


@case
def organisation_create(w: World) -> FormCase:
    from solidaire.forms import OrganisationForm

    return FormCase(
        w.dave,
        reverse("organisation_create"),
        [OrganisationForm()],
        _organisation_data(w),
        offline=lambda post, files: [OrganisationForm(post, files)],
    )


@case
def organisation_edit(w: World) -> FormCase:
    from solidaire.forms import OrganisationForm

    org = w.org_a
    return FormCase(
        w.alice,
        reverse("organisation_edit", args=[org.slug]),
        [OrganisationForm(instance=org)],
        posted(OrganisationForm(instance=org)),
        offline=lambda post, files: [
            OrganisationForm(post, files, instance=Organisation.objects.get(pk=org.pk))
        ],
    )


@case
def member_invite(w: World) -> FormCase:
    from solidaire.forms import InvitationForm

    org = w.org_a
    return FormCase(
        w.alice,
        reverse("member_invite", args=[org.slug]),
        [InvitationForm(organisation=org)],
        {"email": "nouvelle@example.org", "role": Membership.Role.EDITOR},
        offline=lambda post, files: [InvitationForm(post, organisation=org)],
    )


@case
def offer_create(w: World) -> FormCase:
    from solidaire.forms import OfferForm

    return FormCase(
        w.alice,
        reverse("offer_create", args=[w.org_a.slug]),
        [OfferForm()],
        _offer_data(),
        offline=lambda post, files: [OfferForm(post, files)],
    )


@case
def offer_edit(w: World) -> FormCase:
    from solidaire.forms import OfferForm
    from solidaire.models import Offer
    from tests.factory import make_offer

    offer = make_offer(w.org_a)
    return FormCase(
        w.alice,
        reverse("offer_edit", args=[w.org_a.slug, offer.pk]),
        [OfferForm(instance=offer)],
        posted(OfferForm(instance=offer)),
        offline=lambda post, files: [OfferForm(post, files, instance=Offer.objects.get(pk=offer.pk))],
    )


@case
def staff_organisation(w: World) -> FormCase:
    from solidaire.forms import SuspendForm

    org = make_listed("Friperie du Centre")
    return FormCase(
        w.nadia,
        reverse("staff_organisation", args=[org.slug]),
        [SuspendForm()],
        {"action": "suspend", "reason": "Statuts non conformes."},
        controls={"action": ["suspend", "reinstate"]},
        offline=lambda post, files: None if post.get("action") == "reinstate" else [SuspendForm(post)],
    )


@case
def staff_organisation_identifiers(w: World) -> FormCase:
    from solidaire.forms import IdentifiersForm

    org = make_listed("Friperie du Centre")
    return FormCase(
        w.nadia,
        reverse("staff_organisation", args=[org.slug]),
        [IdentifiersForm(instance=org)],
        {"action": "identifiers", "siret": valid_siret(4343), "rna": "W352001234"},
        controls={"action": ["identifiers"]},
        offline=lambda post, files: (
            [IdentifiersForm(post, instance=Organisation.objects.get(pk=org.pk))]
            if post.get("action") == "identifiers"
            else None
        ),
    )


@case
def staff_mail_retry(w: World) -> FormCase:
    from solidaire.forms import MailRetryForm
    from solidaire.lib.emails import compose
    from solidaire.models import OutgoingMail

    mail = compose("listing_renewal", "refus@exemple.og", {"organisation": make_listed("Friperie du Port")})
    mail.status, mail.error = OutgoingMail.Status.FAILED, "550 refusé"
    mail.save()
    return FormCase(
        w.nadia,
        reverse("staff_mail_retry", args=[mail.pk]),
        [MailRetryForm()],
        {"email": "contact@friperie.example"},
        offline=lambda post, files: [MailRetryForm(post)],
    )


@case
def account_delete(w: World) -> FormCase:
    from solidaire.forms import AccountDeleteForm

    return FormCase(
        w.dave,
        reverse("account_delete"),
        [AccountDeleteForm(user=w.dave)],
        {"password": PASSWORD},
        offline=lambda post, files: [AccountDeleteForm(post, user=User.objects.get(pk=w.dave.pk))],
    )


def _assessment_domain(w: World, position: int, good: dict) -> FormCase:
    from referentiel import services
    from referentiel.forms import DomainAnswersForm

    assessment = w.draft_assessment
    domain = services.domains_of(assessment)[position - 1]
    criteria = {c.code: c.pk for c in domain.criteria.all()}
    return FormCase(
        w.alice,
        reverse("assessment_domain", args=[w.org_a.slug, assessment.pk, position]),
        [DomainAnswersForm(domain=domain, answers={})],
        {key.format(**criteria): value for key, value in good.items()} | {"go": "next"},
        controls={"go": ["previous", "next", "stay"]},
        offline=lambda post, files: [
            DomainAnswersForm(post, files, domain=domain, answers=services.answers_of(assessment))
        ],
    )


@case
def assessment_answers_governance(w: World) -> FormCase:
    good = {
        "c{gouv-1}": "1",
        "c{gouv-1}_comment": "Élus chaque année.",
        "c{gouv-1}_file": Upload("statuts.pdf", pdf_bytes()),
        "c{gouv-2}": "3",
        "c{gouv-3}": "Une assemblée générale par an.",
    }
    return _assessment_domain(w, 1, good)


@case
def assessment_answers_environment(w: World) -> FormCase:
    return _assessment_domain(w, 2, {"c{env-1}": "62,5", "c{env-2}": "4", "c{env-2}_comment": ""})


@case
def peer_review(w: World) -> FormCase:
    from referentiel import services
    from referentiel.forms import ReviewForm
    from referentiel.models import PeerReview

    review = w.review
    criteria = [c for d in services.domains_of(review.assessment) for c in d.criteria.all()]
    good = {f"agree_{c.pk}": "1" for c in criteria} | {"summary": "Dossier clair.", "go": "submit"}
    return FormCase(
        w.charlie,
        reverse("review_detail", args=[review.pk]),
        [ReviewForm(review=review, criteria=criteria)],
        good,
        controls={"go": ["submit", "save"]},
        offline=lambda post, files: [
            ReviewForm(post, review=PeerReview.objects.get(pk=review.pk), criteria=criteria)
        ],
    )


@case
def peer_review_reply(w: World) -> FormCase:
    from referentiel.forms import ReplyForm

    comment = w.review_comment
    return FormCase(
        w.alice,
        reverse("review_reply", args=[comment.review.assessment_id, comment.pk]),
        [ReplyForm()],
        {"text": "Merci pour cette relecture."},
        offline=lambda post, files: [ReplyForm(post)],
    )


@case
def commitment_update(w: World) -> FormCase:
    from referentiel.forms import CommitmentUpdateForm
    from referentiel.models import Commitment

    commitment = w.plan.commitments.get()
    prefix = f"c{commitment.pk}"

    def offline(post, files):
        if post.get("commitment") != str(commitment.pk):
            return None
        return [CommitmentUpdateForm(post, instance=Commitment.objects.get(pk=commitment.pk), prefix=prefix)]

    return FormCase(
        w.alice,
        reverse("progress_plan", args=[w.org_a.slug]),
        [CommitmentUpdateForm(instance=commitment, prefix=prefix)],
        {
            "commitment": str(commitment.pk),
            f"{prefix}-status": "in_progress",
            f"{prefix}-note": "Deux usagers élus.",
        },
        controls={"commitment": [str(commitment.pk)]},
        offline=offline,
    )


@case
def staff_referentiel_versions(w: World) -> FormCase:
    _ = w.referentiel  # built first
    _ = w.draft_referentiel  # built first
    return FormCase(
        w.nadia,
        reverse("staff_referentiels"),
        [],
        {"version": "91", "action": "publish"},
        controls={"version": ["90", "91"], "action": ["publish", "copy"]},
    )


@case
def staff_referentiel_thresholds(w: World) -> FormCase:
    from referentiel.forms import DomainThresholdFormSet, ThresholdsForm
    from referentiel.models import Referentiel

    referentiel = w.draft_referentiel
    shown = [ThresholdsForm(instance=referentiel), DomainThresholdFormSet(queryset=referentiel.domains.all())]

    def offline(post, files):
        fresh = Referentiel.objects.get(pk=referentiel.pk)
        return [
            ThresholdsForm(post, instance=fresh),
            DomainThresholdFormSet(post, queryset=fresh.domains.all()),
        ]

    return FormCase(w.nadia, reverse("staff_referentiel", args=[91]), shown, posted(*shown), offline=offline)


@case
def staff_criterion(w: World) -> FormCase:
    from referentiel.forms import CriterionForm
    from referentiel.models import Criterion

    criterion = w.criterion("env-1", w.draft_referentiel)
    return FormCase(
        w.nadia,
        reverse("staff_criterion", args=[91, criterion.pk]),
        [CriterionForm(instance=criterion)],
        posted(CriterionForm(instance=criterion)),
        offline=lambda post, files: [CriterionForm(post, instance=Criterion.objects.get(pk=criterion.pk))],
    )


@case
def staff_assign_reviewer(w: World) -> FormCase:
    from referentiel.forms import AssignReviewerForm

    assessment = w.completed_assessment
    return FormCase(
        w.nadia,
        reverse("staff_assign_reviewers", args=[assessment.pk]),
        [AssignReviewerForm()],
        {"email": w.charlie.email},
        offline=lambda post, files: [AssignReviewerForm(post)],
    )


@case
def staff_commitment(w: World) -> FormCase:
    from referentiel.forms import CommitmentForm

    _ = w.draft_plan  # built first
    form = CommitmentForm(referentiel=w.referentiel)
    good = {
        "do": "add",
        "criterion": str(w.criterion("env-1").pk),
        "action": "Acheter local.",
        "deadline": days(90).isoformat(),
    }
    return FormCase(
        w.nadia,
        reverse("staff_progress_plan", args=[w.org_a.slug]),
        [form],
        good,
        controls={"do": ["add", "create", "start"]},
        offline=lambda post, files: (
            [CommitmentForm(post, referentiel=w.referentiel)] if post.get("do") == "add" else None
        ),
    )


@case
def application_organisation(w: World) -> FormCase:
    from solidaire.forms import OrganisationForm

    _ = w.application  # built first
    org = w.org_a
    return FormCase(
        w.alice,
        reverse("application_step", args=[org.slug, 1]),
        [OrganisationForm(instance=org)],
        posted(OrganisationForm(instance=org)) | {"go": "next"},
        controls={"go": ["next"]},
        offline=lambda post, files: [
            OrganisationForm(post, files, instance=Organisation.objects.get(pk=org.pk))
        ],
    )


@case
def application_offers(w: World) -> FormCase:
    from assemblee.models import Application
    from solidaire.forms import OfferForm

    Application.objects.filter(pk=w.application.pk).update(current_step=2)
    return FormCase(
        w.alice,
        reverse("application_step", args=[w.org_a.slug, 2]),
        [OfferForm()],
        _offer_data(),
        offline=lambda post, files: [OfferForm(post, files)],
    )


@case
def application_evidence(w: World) -> FormCase:
    from assemblee.forms import EvidenceForm
    from assemblee.models import Application

    Application.objects.filter(pk=w.application.pk).update(current_step=4)
    criteria = [w.criterion("gouv-1")]
    return FormCase(
        w.alice,
        reverse("application_step", args=[w.org_a.slug, 4]),
        [EvidenceForm(criteria=criteria)],
        {f"c{criteria[0].pk}": Upload("statuts.pdf", pdf_bytes()), "go": "next"},
        controls={"go": ["next"]},
        offline=lambda post, files: [EvidenceForm(post, files, criteria=criteria)],
    )


@case
def staff_application(w: World) -> FormCase:
    from assemblee.forms import AgendaForm, SendBackForm

    application, session = w.submitted_application, w.draft_session

    def offline(post, files):
        action = post.get("action")
        if action == "send_back":
            return [SendBackForm(post, prefix="renvoi")]
        if action == "agenda":
            return [AgendaForm(post, prefix="odj")]
        return None

    return FormCase(
        w.nadia,
        reverse("staff_application", args=[application.pk]),
        [SendBackForm(prefix="renvoi"), AgendaForm(prefix="odj")],
        {"action": "agenda", "renvoi-message": "Il manque les statuts.", "odj-session": str(session.pk)},
        controls={"action": ["send_back", "agenda"]},
        offline=offline,
    )


@case
def staff_colleges(w: World) -> FormCase:
    from assemblee.forms import CollegeFormSet
    from assemblee.models import College

    _ = w.colleges  # built first
    shown = CollegeFormSet(queryset=College.objects.all())
    return FormCase(
        w.nadia,
        reverse("staff_colleges"),
        [shown],
        posted(shown),
        offline=lambda post, files: [CollegeFormSet(post, queryset=College.objects.all())],
    )


@case
def staff_mandates(w: World) -> FormCase:
    from assemblee.forms import MandateForm
    from assemblee.models import Mandate

    colleges = w.colleges
    future = Mandate.objects.create(
        user=make_user("futur@example.org"), college=colleges[1], starts_on=days(30), ends_on=days(400)
    )
    good = {
        "action": "add",
        "email": w.dave.email,
        "college": str(colleges[0].pk),
        "starts_on": days(0).isoformat(),
        "ends_on": days(365).isoformat(),
    }
    return FormCase(
        w.nadia,
        reverse("staff_mandates"),
        [MandateForm()],
        good,
        controls={"action": ["add", "end"], "mandate": [str(future.pk)]},
        offline=lambda post, files: [MandateForm(post)] if post.get("action") == "add" else None,
    )


def _session_data(place: str = "Hôtel de Région") -> dict:
    moment = timezone.localtime() + timedelta(days=2)
    return {
        "title": "Séance de juin",
        "place": place,
        "online_url": "",
        "opens_at": moment.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (moment + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "quorum_members": "0,5",
        "quorum_colleges": "0,5",
    }


@case
def staff_session_new(w: World) -> FormCase:
    from assemblee.forms import SessionForm

    return FormCase(
        w.nadia,
        reverse("staff_session_new"),
        [SessionForm()],
        _session_data(),
        offline=lambda post, files: [SessionForm(post)],
    )


@case
def staff_session(w: World) -> FormCase:
    from assemblee.forms import AddToAgendaForm, SessionForm
    from assemblee.models import Application, Session
    from assemblee.views.staff import _awaiting_agenda

    session, application = w.draft_session, w.submitted_application

    def offline(post, files):
        action = post.get("action")
        if action == "save":
            return [SessionForm(post, instance=Session.objects.get(pk=session.pk))]
        if action == "add":
            return [AddToAgendaForm(post, applications=_awaiting_agenda())]
        return None

    assert Application.objects.filter(pk=application.pk).exists()
    return FormCase(
        w.nadia,
        reverse("staff_session", args=[session.pk]),
        [SessionForm(instance=session), AddToAgendaForm(applications=_awaiting_agenda())],
        _session_data() | {"action": "save", "application": str(application.pk)},
        controls={"action": ["save", "add", "remove", "publish", "close"], "item": ["1"]},
        offline=offline,
    )


@case
def ballot(w: World) -> FormCase:
    from assemblee.forms import BallotForm, ConflictForm

    item = w.item

    def offline(post, files):
        return [ConflictForm(post)] if post.get("action") == "conflict" else [BallotForm(post)]

    return FormCase(
        w.claire,
        reverse("assembly_item", args=[item.session_id, item.pk]),
        [BallotForm(), ConflictForm()],
        {
            "action": "ballot",
            "choice": "admit",
            "comment": "Dossier solide.",
            "reason": "Je siège au conseil.",
        },
        controls={"action": ["ballot", "conflict"]},
        offline=offline,
    )


def _grant_forms(w: World, **kwargs) -> list:
    from subventions.forms import GrantForm, GrantIndicatorFormSet, InstalmentFormSet

    return [
        GrantForm(initial=kwargs.get("initial")),
        InstalmentFormSet(initial=kwargs.get("instalments"), prefix="versements"),
        GrantIndicatorFormSet(initial=kwargs.get("indicators"), prefix="indicateurs"),
    ]


GRANT = {
    "purpose": "Atelier de réparation",
    "amount": "24 000",
    "decision_reference": "CP-2026-0412",
    "decision_date": "2026-01-12",
    "convention_date": "2026-01-20",
    "start": "2026-01-01",
    "end": "2026-12-31",
    "nature": "cash",
    "payment_conditions": "instalments",
    "rae_id": "",
    "versements-0-planned_on": "2026-02-01",
    "versements-0-amount": "12 000",
    "versements-1-planned_on": "2026-09-01",
    "versements-1-amount": "12 000,00",
}


def award_after_draft(client: Client, response: HttpResponse) -> None:
    """A drafted grant, whatever its dates and amounts, is awarded or refused in words."""
    if "/gestion/subventions/" not in response.url:
        return
    awarded = client.post(response.url, {"action": "award"})
    assert awarded.status_code in ALLOWED


@case
def staff_grant_new(w: World) -> FormCase:
    indicator = w.indicator
    org, programme = w.listed_org_a, w.programme
    shown = _grant_forms(w, indicators=[{"indicator": indicator.pk}])
    good = (
        posted(*shown)
        | GRANT
        | {
            "indicateurs-0-indicator": str(indicator.pk),
            "indicateurs-0-baseline": "900",
            "indicateurs-0-target": "1 200",
            "indicateurs-0-periodicity": "quarterly",
            "indicateurs-0-first_due": "2026-03-31",
        }
    )
    url = reverse("staff_grant_new") + f"?organisation={org.pk}&dispositif={programme.pk}"
    return FormCase(w.nadia, url, shown, good, then=award_after_draft)


@case
def staff_grant_edit(w: World) -> FormCase:
    grant = w.draft_grant
    shown = _grant_forms(
        w,
        initial={name: getattr(grant, name) for name in GRANT if "-" not in name},
        instalments=[{"planned_on": date(2026, 2, 1), "amount": Decimal(24_000)}],
    )
    good = posted(*shown) | {
        "indicateurs-0-indicator": str(w.indicator.pk),
        "indicateurs-0-baseline": "900",
        "indicateurs-0-target": "1200",
        "indicateurs-0-periodicity": "monthly",
        "indicateurs-0-first_due": "2026-01-31",
    }
    return FormCase(
        w.nadia, reverse("staff_grant_edit", args=[grant.pk]), shown, good, then=award_after_draft
    )


@case
def staff_grant_actions(w: World) -> FormCase:
    grant = w.grant
    instalments = [str(pk) for pk in grant.instalments.values_list("pk", flat=True)]
    return FormCase(
        w.nadia,
        reverse("staff_grant", args=[grant.pk]),
        [],
        {"action": "pay", "instalment": instalments[0]},
        controls={"action": ["pay", "award"], "instalment": instalments},
    )


@case
def staff_report(w: World) -> FormCase:
    from subventions.forms import CorrectionForm

    report = w.submitted_report
    return FormCase(
        w.nadia,
        reverse("staff_report", args=[report.pk]),
        [CorrectionForm()],
        {"action": "correct", "message": "Le justificatif manque."},
        controls={"action": ["correct", "validate"]},
        offline=lambda post, files: [CorrectionForm(post)] if post.get("action") == "correct" else None,
    )


def _programme_case(w: World, programme) -> FormCase:
    from subventions.forms import CriterionRuleFormSet, ProgrammeForm
    from subventions.models import Programme

    _ = w.indicator  # built first
    _ = w.referentiel  # built first
    shown = [ProgrammeForm(instance=programme), CriterionRuleFormSet(instance=programme, prefix="regles")]
    good = posted(*shown)
    if programme.pk is None:
        good |= {
            "name": "Tiers-lieux",
            "budget": "100 000",
            "status_rule": "listed",
            "min_overall": "50",
            "indicators": [str(w.indicator.pk)],
            "regles-0-criterion": str(w.criterion("gouv-2").pk),
            "regles-0-minimum": "2",
        }

    def offline(post, files):
        fresh = Programme.objects.get(pk=programme.pk) if programme.pk else Programme()
        return [
            ProgrammeForm(post, instance=fresh),
            CriterionRuleFormSet(post, instance=fresh, prefix="regles"),
        ]

    url = (
        reverse("staff_programme_edit", args=[programme.pk])
        if programme.pk
        else reverse("staff_programme_new")
    )
    return FormCase(w.nadia, url, shown, good, offline=offline)


@case
def staff_programme_new(w: World) -> FormCase:
    from subventions.models import Programme

    return _programme_case(w, Programme())


@case
def staff_programme_edit(w: World) -> FormCase:
    return _programme_case(w, w.programme)


@case
def staff_equity_stake(w: World) -> FormCase:
    from subventions.forms import EquityStakeForm

    good = {
        "organisation": str(w.org_a.pk),
        "share": "12,5",
        "amount": "5000",
        "acquired_on": "2026-01-15",
        "decision_reference": "CP-2026-0007",
    }
    return FormCase(
        w.nadia,
        reverse("staff_stake_new"),
        [EquityStakeForm()],
        good,
        offline=lambda post, files: [EquityStakeForm(post)],
    )


@case
def member_report(w: World) -> FormCase:
    from subventions.forms import ReportForm

    report = w.report
    return FormCase(
        w.alice,
        reverse("member_report", args=[w.org_a.slug, w.grant.pk, report.pk]),
        [ReportForm()],
        {"value": "950", "comment": "Un trimestre chargé.", "evidence": Upload("facture.pdf", pdf_bytes())},
        offline=lambda post, files: [ReportForm(post, files)],
    )


@case
def language_switch(w: World) -> FormCase:
    return FormCase(
        None,
        reverse("set_language"),
        [],
        {"language": "en", "next": "/organisations/"},
        controls={
            "language": ["fr", "en"],
            "next": ["/", "/organisations/?q=a", "https://evil.example/", "//x"],
        },
    )


@case
def sign_in(w: World) -> FormCase:
    return FormCase(
        None,
        reverse("account_login"),
        [],
        {"login": w.alice.email, "password": PASSWORD},
        controls={"login": [w.alice.email, "ALICE@example.org"], "password": [PASSWORD], "remember": ["on"]},
    )


@case
def sign_up(w: World) -> FormCase:
    _ = w.alice  # built first
    secret = "une phrase de passe assez longue"
    return FormCase(
        None,
        reverse("account_signup"),
        [],
        {"email": "zoe@example.org", "password1": secret, "password2": secret},
        controls={
            "email": ["zoe@example.org", "alice@example.org"],
            "password1": [secret],
            "password2": [secret],
        },
    )


@case
def password_change(w: World) -> FormCase:
    secret = "une autre phrase de passe"
    return FormCase(
        w.alice,
        reverse("account_change_password"),
        [],
        {"oldpassword": PASSWORD, "password1": secret, "password2": secret},
        controls={"oldpassword": [PASSWORD], "password1": [secret], "password2": [secret]},
    )


@case
def password_reset(w: World) -> FormCase:
    return FormCase(
        None,
        reverse("account_reset_password"),
        [],
        {"email": w.alice.email},
        controls={"email": [w.alice.email, "personne@example.org"]},
    )


@case
def email_add(w: World) -> FormCase:
    return FormCase(
        w.alice,
        reverse("account_email"),
        [],
        {"action_add": "", "email": "alice.martin@example.org"},
        controls={
            "action_add": [""],
            "action_primary": [""],
            "action_remove": [""],
            "email": [w.alice.email],
        },
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_form_never_fails_and_a_refused_submission_changes_nothing(world, name: str) -> None:
    form_case = CASES[name](world)
    with rolled_back():  # the good submission is accepted: the fuzz reaches past the checks
        response = submit(form_case, form_case.good)
        assert response.status_code == 302, [m for f in bound_forms(response) for m in error_messages(f)]

    @FUZZ
    @given(data=submissions(form_case))
    def check(data: dict) -> None:
        with rolled_back():
            submit(form_case, data)

    check()
