"""Version 1 of the référentiel, and the YAML import and export of a version (DESIGN §4)."""

import copy
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from referentiel import yaml_io
from referentiel.models import ISO26000, Criterion, Domain, Referentiel
from referentiel.yaml_io import ReferentielFileError, export_version, import_version, load_yaml, validate
from solidaire.models import AuditEntry

ROOT = Path(__file__).resolve().parents[2]
V1_FILE = ROOT / "referentiel" / "data" / "referentiel-v1.yaml"
CHARTER = [
    ("utilite", "Utilité sociale ou environnementale"),
    ("gouvernance", "Participation et gouvernance démocratique"),
    ("ancrage", "Ancrage territorial et coopération (maillage)"),
    ("lucrativite", "Lucrativité limitée et financements mixtes"),
    ("equite", "Équité sociale et inclusion"),
    ("environnement", "Pratiques environnementales"),
]


def small_version(version: int = 900) -> dict:
    """A valid file with every kind of criterion (and fewer criteria than v1 needs)."""
    return {
        "version": version,
        "title": "Référentiel d'essai",
        "description": "Pour les tests.",
        "min_overall": 52.5,
        "domains": [
            {
                "code": "alpha",
                "name": "Alpha",
                "name_en": "Alpha (en)",
                "min_score": 40,
                "criteria": [
                    {"code": "a-1", "question": "Oui ?", "kind": "yes_no", "weight": 1, "meets": 1,
                     "evidence_required": True, "evidence_hint": "Les statuts", "iso26000": ["governance"]},
                    {"code": "a-2", "question": "Niveau ?", "guidance": "0 : rien.\n4 : tout.",
                     "kind": "level", "weight": 1.5, "meets": 2,
                     "iso26000": ["labour_practices", "human_rights"]},
                ],
            },
            {
                "code": "beta",
                "name": "Beta",
                "criteria": [
                    {"code": "b-1", "question": "Écart : combien de fois ?", "kind": "number", "unit": "fois",
                     "direction": "lower", "weight": 2, "meets": 5, "iso26000": ["environment"]},
                    {"code": "b-2", "question": "Pourquoi ?", "kind": "text", "weight": 0},
                ],
            },
        ],
    }  # fmt: skip


def row_counts() -> tuple[int, int, int]:
    return Referentiel.objects.count(), Domain.objects.count(), Criterion.objects.count()


def v1_criteria() -> list[Criterion]:
    criteria = Criterion.objects.filter(domain__referentiel__version=1)
    return list(criteria.order_by("domain__position", "position"))


def as_version(export: str, version: int) -> str:
    """An export with its first line (the version number) changed."""
    first, rest = export.split("\n", 1)
    assert first.startswith("version: ")
    return f"version: {version}\n{rest}"


# --- Version 1 ----------------------------------------------------------------------------


def test_version_1_is_there_after_the_migrations_and_published(db) -> None:
    v1 = Referentiel.objects.get(version=1)
    assert v1.is_published
    assert v1.min_overall == 55


def test_version_1_has_the_six_domains_of_the_regional_charter_in_order(db) -> None:
    domains = Domain.objects.filter(referentiel__version=1).order_by("position")
    assert [(d.code, d.name) for d in domains] == CHARTER
    assert all(d.name_en and d.description and d.description_en for d in domains)


def test_each_domain_of_version_1_has_four_to_six_criteria_and_a_minimum_score(db) -> None:
    domains = Domain.objects.filter(referentiel__version=1)
    assert {d.code: 4 <= d.criteria.count() <= 6 for d in domains} == {code: True for code, _ in CHARTER}
    assert all(0 < d.min_score <= 100 for d in domains)


def test_every_criterion_of_version_1_has_its_question_and_guidance_in_french_and_english(db) -> None:
    texts = ("question", "question_en", "guidance", "guidance_en")
    incomplete = [c.code for c in v1_criteria() if not all(getattr(c, field).strip() for field in texts)]
    assert incomplete == []


def test_every_criterion_of_version_1_has_a_kind_a_weight_and_iso_26000_subjects(db) -> None:
    criteria = v1_criteria()
    assert {c.kind for c in criteria} == set(Criterion.Kind.values)
    assert [c.code for c in criteria if c.weight < 0 or c.weight is None] == []
    assert [c.code for c in criteria if not c.iso26000 or not set(c.iso26000) <= set(ISO26000.values)] == []


def _threshold_problem(criterion: Criterion) -> str | None:
    if criterion.kind == Criterion.Kind.YES_NO:
        return None if criterion.meets == 1 else "yes_no is met by 1"
    if criterion.kind == Criterion.Kind.LEVEL:
        return None if criterion.meets in range(5) else "a level from 0 to 4"
    if criterion.kind == Criterion.Kind.NUMBER:
        ok = criterion.meets is not None and criterion.direction in ("higher", "lower") and criterion.unit
        return None if ok else "a number needs meets, a direction and a unit"
    return None if criterion.meets is None and criterion.weight == 0 else "a text is not scored"


def test_every_threshold_of_version_1_is_consistent_with_the_kind_of_its_criterion(db) -> None:
    problems = {c.code: _threshold_problem(c) for c in v1_criteria() if _threshold_problem(c)}
    assert problems == {}


def test_every_criterion_of_version_1_that_requires_evidence_says_which_in_both_languages(db) -> None:
    criteria = v1_criteria()
    required = [c for c in criteria if c.evidence_required]
    assert [c.code for c in required if not (c.evidence_hint and c.evidence_hint_en)] == []
    assert 0.25 <= len(required) / len(criteria) <= 0.45


def test_the_published_version_1_is_what_the_file_in_the_repository_describes(db) -> None:
    from_file = import_version({**load_yaml(V1_FILE), "version": 901}, publish=False)
    assert export_version(from_file) == as_version(export_version(Referentiel.objects.get(version=1)), 901)


def test_a_criterion_of_a_published_version_cannot_be_edited(db) -> None:
    criterion = v1_criteria()[0]
    criterion.question = "Autre question ?"
    with pytest.raises(ValidationError):
        criterion.save()
    assert Criterion.objects.get(pk=criterion.pk).question != "Autre question ?"


def test_a_domain_of_a_published_version_cannot_be_removed(db) -> None:
    domain = Domain.objects.get(referentiel__version=1, code="utilite")
    with pytest.raises(ValidationError):
        domain.delete()


def test_the_migration_does_not_load_version_1_twice(db) -> None:
    from importlib import import_module

    from django.apps import apps

    before = row_counts()
    import_module("referentiel.migrations.0002_referentiel_v1").load_v1(apps, None)
    assert row_counts() == before


# --- Round trip -----------------------------------------------------------------------------


def test_exporting_version_1_and_importing_it_under_another_number_gives_the_same_export(db) -> None:
    exported = export_version(Referentiel.objects.get(version=1))
    copy_of_v1 = import_version(load_yaml(as_version(exported, 902)), publish=False)
    assert export_version(copy_of_v1) == as_version(exported, 902)
    assert copy_of_v1.domains.count() == 6


def test_a_version_with_every_kind_of_criterion_survives_a_round_trip(db) -> None:
    first = export_version(import_version(small_version(903), publish=False))
    second = export_version(import_version(load_yaml(as_version(first, 904)), publish=False))
    assert second == as_version(first, 904)
    assert load_yaml(first)["domains"][0]["criteria"][1]["guidance"] == "0 : rien.\n4 : tout."


def test_an_imported_version_keeps_the_order_and_values_of_the_file(db) -> None:
    imported = import_version(small_version(905), publish=False)
    b1 = Criterion.objects.get(domain__referentiel=imported, code="b-1")
    codes = [c.code for c in Criterion.objects.filter(domain__referentiel=imported)]
    assert codes == ["a-1", "a-2", "b-1", "b-2"]
    assert (b1.kind, b1.weight, b1.meets, b1.direction, b1.unit) == ("number", 2, 5, "lower", "fois")
    assert (imported.min_overall, imported.domains.get(code="beta").min_score) == (52.5, 40)


def test_an_import_is_published_only_when_asked(db) -> None:
    draft = import_version(small_version(906), publish=False)
    published = import_version(small_version(907), publish=True)
    assert Referentiel.objects.get(pk=draft.pk).published_at is None
    assert Referentiel.objects.get(pk=published.pk).is_published


def test_the_validator_leaves_the_number_of_criteria_per_domain_to_the_authors(db) -> None:
    assert validate(small_version()) is None


# --- Malformed files ------------------------------------------------------------------------


def _set(path: str, value):
    """A change to small_version(): set (or with value=KeyError, delete) the key at path."""

    def change(data: dict) -> dict:
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value
        return data

    return change


def _rename(path: str, old: str, new: str):
    def change(data: dict) -> dict:
        target = data
        for part in path.split("."):
            target = target[int(part)] if part.isdigit() else target[part]
        target[new] = target.pop(old)
        return data

    return change


MALFORMED = {
    "unknown kind": (
        _set("domains.1.criteria.0.kind", "levle"),
        'domains[1].criteria[0].kind: "levle" is not one of yes_no, level, number, text',
    ),
    "missing key": (
        _set("domains.0.criteria.1.question", KeyError),
        'domains[0].criteria[1]: missing key "question"',
    ),
    "misspelt key": (
        _rename("domains.0.criteria.0", "question", "questoin"),
        'domains[0].criteria[0]: unknown key "questoin" (did you mean "question"?)',
    ),
    "unknown key": (
        _set("domains.0.colour", "vert"),
        'domains[0]: unknown key "colour" (expected one of code, name, name_en, description, description_en, '
        "min_score, criteria)",
    ),
    "wrong type": (
        _set("domains.0.criteria.0.weight", "lourd"),
        'domains[0].criteria[0].weight: expected a number, got a text ("lourd")',
    ),
    "a code read as a boolean": (
        _set("domains.1.code", False),
        "domains[1].code: expected a text, got a true/false (false); put it between quotes",
    ),
    "domains not a list": (_set("domains", {"alpha": 1}), "domains: expected a list, got a mapping"),
    "version not a number": (_set("version", "v2"), 'version: expected a whole number, got a text ("v2")'),
    "missing title": (_set("title", KeyError), 'file: missing key "title"'),
    "duplicate domain code": (
        _set("domains.1.code", "alpha"),
        'domains[1].code: "alpha" is already the code of domains[0]',
    ),
    "duplicate criterion code in another domain": (
        _set("domains.1.criteria.0.code", "a-1"),
        'domains[1].criteria[0].code: "a-1" is already the code of domains[0].criteria[0]',
    ),
    "code with spaces": (
        _set("domains.0.criteria.0.code", "a 1"),
        'domains[0].criteria[0].code: "a 1" may only contain letters, digits, hyphens and underscores',
    ),
    "negative weight": (
        _set("domains.0.criteria.0.weight", -1),
        "domains[0].criteria[0].weight: -1 is not a weight between 0 and 999.99",
    ),
    "too many decimals": (
        _set("domains.0.criteria.1.weight", 1.255),
        "domains[0].criteria[1].weight: 1.255 has more than 2 decimal places",
    ),
    "level threshold above 4": (
        _set("domains.0.criteria.1.meets", 5),
        "domains[0].criteria[1].meets: 5 is not a level: a whole number from 0 to 4",
    ),
    "level threshold not whole": (
        _set("domains.0.criteria.1.meets", 2.5),
        "domains[0].criteria[1].meets: 2.5 is not a level: a whole number from 0 to 4",
    ),
    "yes_no threshold other than 1": (
        _set("domains.0.criteria.0.meets", 2),
        "domains[0].criteria[0].meets: a yes_no criterion is met by yes: write 1 or leave meets out, not 2",
    ),
    "number without threshold": (
        _set("domains.1.criteria.0.meets", KeyError),
        'domains[1].criteria[0]: a number criterion needs "meets", the value to reach',
    ),
    "text with a threshold": (
        _set("domains.1.criteria.1.meets", 1),
        "domains[1].criteria[1].meets: a text criterion is not scored: leave meets out",
    ),
    "direction on a level": (
        _set("domains.0.criteria.1.direction", "lower"),
        "domains[0].criteria[1].direction: only number criteria have a direction, this one is level",
    ),
    "unknown direction": (
        _set("domains.1.criteria.0.direction", "down"),
        'domains[1].criteria[0].direction: "down" is not one of higher, lower',
    ),
    "unknown ISO 26000 subject": (
        _set("domains.1.criteria.0.iso26000", ["enviroment"]),
        'domains[1].criteria[0].iso26000[0]: "enviroment" is not one of governance, human_rights, '
        "labour_practices, environment, fair_operating_practices, consumer_issues, community_involvement",
    ),
    "domain minimum above 100 %": (
        _set("domains.0.min_score", 120),
        "domains[0].min_score: 120 is not a percentage between 0 and 100",
    ),
    "negative overall minimum": (
        _set("min_overall", -5),
        "min_overall: -5 is not a percentage between 0 and 100",
    ),
    "domain without criteria": (
        _set("domains.1.criteria", []),
        "domains[1].criteria: a domain needs at least one criterion",
    ),
    "evidence hint too long": (
        _set("domains.0.criteria.0.evidence_hint", "x" * 301),
        "domains[0].criteria[0].evidence_hint: is 301 characters long, at most 300 are allowed",
    ),
}


@pytest.mark.parametrize("change, message", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_version_is_refused_with_the_place_of_the_problem_and_nothing_changes(
    db, change, message
) -> None:
    before = row_counts()
    with pytest.raises(ReferentielFileError) as error:
        import_version(change(copy.deepcopy(small_version())), publish=True)
    assert str(error.value) == message
    assert row_counts() == before


MALFORMED_TEXT = {
    "syntax error": ("version: 1\ntitle: [pas fermé\n", "invalid YAML at line 3, column 1: expected ','"),
    "bad indentation": ("version: 1\n  title: x\n", "invalid YAML at line 2, column 8: mapping values"),
    "key written twice": ("version: 1\nversion: 2\n", 'invalid YAML at line 2, column 1: duplicate key "'),
    "not a mapping": ("- a\n- b\n", "the file must be a mapping with version, title, min_overall and"),
    "empty": ("# rien\n", "the file is empty"),
}


@pytest.mark.parametrize("text, message", MALFORMED_TEXT.values(), ids=MALFORMED_TEXT.keys())
def test_a_file_that_is_not_valid_yaml_is_refused_with_its_line_and_nothing_changes(db, text, message):
    before = row_counts()
    with pytest.raises(ReferentielFileError) as error:
        import_version(load_yaml(text), publish=True)
    assert str(error.value).startswith(message)
    assert row_counts() == before


def test_a_missing_file_is_refused_with_its_name() -> None:
    with pytest.raises(ReferentielFileError, match=r"cannot read nowhere\.yaml \(No such file"):
        load_yaml("nowhere.yaml")


def test_importing_a_version_number_that_exists_is_refused_and_changes_nothing(db) -> None:
    before = row_counts()
    with pytest.raises(ReferentielFileError) as error:
        import_version(load_yaml(V1_FILE), publish=True)
    assert str(error.value).startswith("version 1 already exists")
    assert row_counts() == before


def test_an_import_that_fails_half_way_leaves_nothing_behind(db, monkeypatch) -> None:
    before = row_counts()
    fields = yaml_io._criterion_fields

    def fail_on_the_third(criterion: dict) -> dict:
        if criterion["code"] == "b-1":
            raise RuntimeError("database down")
        return fields(criterion)

    monkeypatch.setattr(yaml_io, "_criterion_fields", fail_on_the_third)
    with pytest.raises(RuntimeError):
        import_version(small_version(908), publish=True)
    assert row_counts() == before


# --- Commands -------------------------------------------------------------------------------


def _write(tmp_path: Path, data: dict, name: str = "version.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_the_import_command_imports_publishes_and_audits_a_file(db, tmp_path) -> None:
    out = StringIO()
    call_command("import_referentiel", str(_write(tmp_path, small_version(910))), "--publish", stdout=out)
    assert "Imported référentiel v910 from" in out.getvalue()
    assert Referentiel.objects.get(version=910).is_published
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert actions >= {"referentiel.import", "referentiel.publish"}


def test_the_import_command_leaves_a_version_in_draft_without_publish(db, tmp_path) -> None:
    call_command("import_referentiel", str(_write(tmp_path, small_version(911))), stdout=StringIO())
    assert not Referentiel.objects.get(version=911).is_published


def test_the_import_command_reports_a_malformed_file_and_changes_nothing(db, tmp_path) -> None:
    path = _write(tmp_path, _set("domains.1.criteria.0.kind", "levle")(small_version(912)))
    before = row_counts()
    with pytest.raises(CommandError, match=r'not imported: domains\[1\]\.criteria\[0\]\.kind: "levle" is'):
        call_command("import_referentiel", str(path), stdout=StringIO())
    assert row_counts() == before


def test_the_import_command_exits_with_status_1_and_the_message_on_stderr(tmp_path) -> None:
    path = _write(tmp_path, _set("min_overall", 120)(small_version(913)))
    command = [sys.executable, "manage.py", "import_referentiel", str(path)]
    # A database of its own: the file is refused before anything is read or written.
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert "min_overall: 120 is not a percentage between 0 and 100" in result.stderr


def test_the_export_command_writes_a_version_to_stdout(db) -> None:
    out = StringIO()
    call_command("export_referentiel", "1", stdout=out)
    assert out.getvalue() == export_version(Referentiel.objects.get(version=1))


def test_the_export_command_writes_a_version_to_a_file(db, tmp_path) -> None:
    out = StringIO()
    call_command("export_referentiel", "1", "-o", str(tmp_path / "v1.yaml"), stdout=out)
    written = (tmp_path / "v1.yaml").read_text(encoding="utf-8")
    assert written == export_version(Referentiel.objects.get(version=1))
    assert "Wrote référentiel v1" in out.getvalue()


def test_the_export_command_refuses_an_unknown_version(db) -> None:
    with pytest.raises(CommandError, match="There is no référentiel version 999"):
        call_command("export_referentiel", "999", stdout=StringIO())
