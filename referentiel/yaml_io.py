"""Import and export of a référentiel version as YAML (DESIGN §4).

The format is the one of `referentiel/data/referentiel-v1.yaml`:

    version: 1
    title: …            title_en, description, description_en: optional
    min_overall: 55      percent, 0–100
    domains:
      - code: utilite    name, name_en, description, description_en, min_score (percent)
        criteria:
          - code: util-1 unique across the whole version
            question: …  question_en, guidance, guidance_en
            kind: yes_no | level | number | text
            weight: 3    >= 0
            meets: 1     yes_no: 1 or absent; level: 0–4; number: required; text: absent
            unit, direction (higher | lower): number criteria only
            evidence_required, evidence_hint, evidence_hint_en
            iso26000: [governance, …]

`validate` checks a whole file before anything is written and names the place of the first
problem (``domains[2].criteria[3].kind: "levle" is not one of yes_no, level, number, text``);
`import_version` creates a version in one transaction; `export_version` writes it back in the
same format, so that importing an export and exporting it again gives the same text.
"""

import difflib
import json
import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import yaml
from django.apps.registry import Apps
from django.db import IntegrityError, transaction
from django.utils import timezone

from referentiel.models import ISO26000, MAX_LEVEL, Criterion, Domain, Referentiel

KINDS = tuple(Criterion.Kind.values)
DIRECTIONS = tuple(Criterion.Direction.values)
ISO_CODES = tuple(ISO26000.values)
MAX_VERSION = 2_147_483_647


class ReferentielFileError(ValueError):
    """A référentiel file that cannot be imported; the message names the place."""


class VersionExistsError(ReferentielFileError):
    """The version number of the file is already taken."""


# --- Reading ---------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """A safe loader that refuses a key written twice in the same mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set = set()
        for key_node, _value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                continue  # SafeLoader reports it
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {_show(key)}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_yaml(path_or_text: str | Path) -> dict:
    """The mapping read from a file or from YAML text.

    A `Path`, or a one-line `str` ending in .yaml or .yml, is read as a file; any other `str` is
    the YAML text itself.
    """
    if isinstance(path_or_text, Path) or (
        "\n" not in path_or_text and path_or_text.endswith((".yaml", ".yml"))
    ):
        path = Path(path_or_text)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise ReferentielFileError(f"cannot read {path} ({reason})") from error
    else:
        text = path_or_text
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 — _Loader is a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = error.problem or error.context or "invalid YAML"
        raise ReferentielFileError(f"invalid YAML{where}: {problem}") from error
    except yaml.YAMLError as error:
        raise ReferentielFileError(f"invalid YAML: {error}") from error
    if data is None:
        raise ReferentielFileError("the file is empty")
    if not isinstance(data, dict):
        raise ReferentielFileError(
            f"the file must be a mapping with version, title, min_overall and domains, not a {_kind_of(data)}"
        )
    return data


# --- Validation ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Key:
    name: str
    type: str  # text, code, integer, number, percent, boolean, list
    required: bool = False
    max_length: int | None = None


REFERENTIEL_KEYS = (
    _Key("version", "integer", required=True),
    _Key("title", "text", required=True, max_length=200),
    _Key("title_en", "text", max_length=200),
    _Key("description", "text"),
    _Key("description_en", "text"),
    _Key("min_overall", "percent"),
    _Key("domains", "list", required=True),
)
DOMAIN_KEYS = (
    _Key("code", "code", required=True, max_length=60),
    _Key("name", "text", required=True, max_length=200),
    _Key("name_en", "text", max_length=200),
    _Key("description", "text"),
    _Key("description_en", "text"),
    _Key("min_score", "percent"),
    _Key("criteria", "list", required=True),
)
CRITERION_KEYS = (
    _Key("code", "code", required=True, max_length=60),
    _Key("question", "text", required=True),
    _Key("question_en", "text"),
    _Key("guidance", "text"),
    _Key("guidance_en", "text"),
    _Key("kind", "text", required=True),
    _Key("unit", "text", max_length=40),
    _Key("direction", "text"),
    _Key("weight", "number"),
    _Key("meets", "number"),
    _Key("evidence_required", "boolean"),
    _Key("evidence_hint", "text", max_length=300),
    _Key("evidence_hint_en", "text", max_length=300),
    _Key("iso26000", "list"),
)
# The model's defaults, for the keys a file may leave out.
DEFAULT_MIN_OVERALL = Decimal(50)
DEFAULT_MIN_SCORE = Decimal(40)
DEFAULT_WEIGHT = Decimal(1)
# DecimalField(max_digits, decimal_places=2): the largest absolute value each one holds.
WEIGHT_LIMIT = Decimal("999.99")
MEETS_LIMIT = Decimal("9999999999.99")


def _show(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def _got(value: Any) -> str:
    """Says what a value is, and shows it unless it is a whole mapping or list."""
    if isinstance(value, dict | list):
        return f"got a {_kind_of(value)}"
    return f"got a {_kind_of(value)} ({_show(value)})"


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


def _fail(where: str, problem: str) -> NoReturn:
    raise ReferentielFileError(f"{where}: {problem}")


def _one_of(values: Iterable[str]) -> str:
    return ", ".join(values)


def _check_mapping(value: Any, where: str, keys: tuple[_Key, ...]) -> dict:
    """The mapping with its keys checked for presence, spelling and type (None = absent)."""
    if not isinstance(value, dict):
        _fail(where, f"expected a mapping, {_got(value)}")
    names = [key.name for key in keys]
    for name in value:
        if name not in names:
            close = difflib.get_close_matches(str(name), names, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else f" (expected one of {_one_of(names)})"
            _fail(where, f"unknown key {_show(name)}{hint}")
    for key in keys:
        item = value.get(key.name)
        place = f"{where}.{key.name}" if where else key.name
        if item is None:
            if key.required:
                _fail(where or "file", f'missing key "{key.name}"')
            continue
        _check_type(item, place, key)
    return value


def _check_type(item: Any, place: str, key: _Key) -> None:
    got = _got(item)
    if key.type in ("text", "code"):
        if not isinstance(item, str):
            quote = "; put it between quotes" if isinstance(item, bool | int | float) else ""
            _fail(place, f"expected a text, {got}{quote}")
        if key.required and not item.strip():
            _fail(place, "must not be empty")
        if key.max_length and len(item) > key.max_length:
            _fail(place, f"is {len(item)} characters long, at most {key.max_length} are allowed")
        if key.type == "code" and not all(c.isascii() and (c.isalnum() or c in "-_") for c in item):
            _fail(place, f"{_show(item)} may only contain letters, digits, hyphens and underscores")
    elif key.type == "integer":
        if isinstance(item, bool) or not isinstance(item, int):
            _fail(place, f"expected a whole number, {got}")
    elif key.type in ("number", "percent"):
        if isinstance(item, bool) or not isinstance(item, int | float):
            _fail(place, f"expected a number, {got}")
        if isinstance(item, float) and not math.isfinite(item):
            _fail(place, f"expected a number, got {_show(item)}")
        exponent = _decimal(item).as_tuple().exponent  # a letter only for NaN and infinities
        if isinstance(exponent, int) and exponent < -2:
            _fail(place, f"{_show(item)} has more than 2 decimal places")
        if key.type == "percent" and not 0 <= item <= 100:
            _fail(place, f"{_show(item)} is not a percentage between 0 and 100")
    elif key.type == "boolean":
        if not isinstance(item, bool):
            _fail(place, f"expected true or false, {got}")
    elif key.type == "list" and not isinstance(item, list):
        _fail(place, f"expected a list, {got}")


def _decimal(value: int | float) -> Decimal:
    return Decimal(str(value))


def validate(data: Any) -> None:
    """Raise `ReferentielFileError` naming the first problem of a référentiel file."""
    data = _check_mapping(data, "", REFERENTIEL_KEYS)
    if not 1 <= data["version"] <= MAX_VERSION:
        _fail("version", f"{data['version']} is not a version number (a whole number from 1)")
    if not data["domains"]:
        _fail("domains", "a version needs at least one domain")
    domain_codes: dict[str, str] = {}
    criterion_codes: dict[str, str] = {}
    for d, domain in enumerate(data["domains"]):
        where = f"domains[{d}]"
        domain = _check_mapping(domain, where, DOMAIN_KEYS)
        code = domain["code"]
        if code in domain_codes:
            _fail(f"{where}.code", f"{_show(code)} is already the code of {domain_codes[code]}")
        domain_codes[code] = where
        if not domain["criteria"]:
            _fail(f"{where}.criteria", "a domain needs at least one criterion")
        for c, criterion in enumerate(domain["criteria"]):
            place = f"{where}.criteria[{c}]"
            _validate_criterion(criterion, place)
            code = criterion["code"]
            if code in criterion_codes:
                _fail(f"{place}.code", f"{_show(code)} is already the code of {criterion_codes[code]}")
            criterion_codes[code] = place


def _validate_criterion(criterion: Any, where: str) -> None:
    criterion = _check_mapping(criterion, where, CRITERION_KEYS)
    kind = criterion["kind"]
    if kind not in KINDS:
        _fail(f"{where}.kind", f"{_show(kind)} is not one of {_one_of(KINDS)}")
    weight = criterion.get("weight")
    if weight is not None and not 0 <= weight <= WEIGHT_LIMIT:
        _fail(f"{where}.weight", f"{_show(weight)} is not a weight between 0 and {WEIGHT_LIMIT}")
    meets = criterion.get("meets")
    if kind == Criterion.Kind.YES_NO and meets is not None and meets != 1:
        _fail(f"{where}.meets", f"a yes_no criterion is met by yes: write 1 or leave meets out, not {meets}")
    if kind == Criterion.Kind.LEVEL and meets is not None and (meets not in range(MAX_LEVEL + 1)):
        _fail(f"{where}.meets", f"{_show(meets)} is not a level: a whole number from 0 to {MAX_LEVEL}")
    if kind == Criterion.Kind.NUMBER:
        if meets is None:
            _fail(where, 'a number criterion needs "meets", the value to reach')
        if abs(meets) > MEETS_LIMIT:
            _fail(f"{where}.meets", f"{_show(meets)} is too large")
    if kind == Criterion.Kind.TEXT and meets is not None:
        _fail(f"{where}.meets", "a text criterion is not scored: leave meets out")
    for key in ("unit", "direction"):
        if criterion.get(key) is not None and kind != Criterion.Kind.NUMBER:
            _fail(f"{where}.{key}", f"only number criteria have a {key}, this one is {kind}")
    direction = criterion.get("direction")
    if direction is not None and direction not in DIRECTIONS:
        _fail(f"{where}.direction", f"{_show(direction)} is not one of {_one_of(DIRECTIONS)}")
    subjects = criterion.get("iso26000") or []
    for s, subject in enumerate(subjects):
        if subject not in ISO_CODES:
            _fail(f"{where}.iso26000[{s}]", f"{_show(subject)} is not one of {_one_of(ISO_CODES)}")
        if subject in subjects[:s]:
            _fail(f"{where}.iso26000[{s}]", f"{_show(subject)} is listed twice")


# --- Import ----------------------------------------------------------------------------


def _models(apps: Apps | None = None) -> tuple[type[Referentiel], type[Domain], type[Criterion]]:
    if apps is None:
        return Referentiel, Domain, Criterion
    return (
        apps.get_model("referentiel", "Referentiel"),
        apps.get_model("referentiel", "Domain"),
        apps.get_model("referentiel", "Criterion"),
    )


def _text(mapping: dict, key: str) -> str:
    return mapping.get(key) or ""


def _number[D: Decimal | None](mapping: dict, key: str, default: D) -> Decimal | D:
    value = mapping.get(key)
    return default if value is None else _decimal(value)


def import_version(data: dict, *, publish: bool, apps: Apps | None = None) -> Referentiel:
    """Create the version described by `data`, its domains and criteria, in one transaction.

    Nothing is written unless the whole file is valid and its version number is free.
    `apps` is the historical app registry of a data migration; without it, the real models.
    """
    validate(data)
    referentiel_model, domain_model, criterion_model = _models(apps)
    version = data["version"]
    taken = f"version {version} already exists: a version is never replaced, import it under a new number"
    try:
        with transaction.atomic():
            if referentiel_model.objects.filter(version=version).exists():
                raise VersionExistsError(taken)
            referentiel = referentiel_model.objects.create(
                version=version,
                title=data["title"],
                title_en=_text(data, "title_en"),
                description=_text(data, "description"),
                description_en=_text(data, "description_en"),
                min_overall=_number(data, "min_overall", DEFAULT_MIN_OVERALL),
            )
            for position, item in enumerate(data["domains"], start=1):
                domain = domain_model.objects.create(
                    referentiel=referentiel,
                    position=position,
                    code=item["code"],
                    name=item["name"],
                    name_en=_text(item, "name_en"),
                    description=_text(item, "description"),
                    description_en=_text(item, "description_en"),
                    min_score=_number(item, "min_score", DEFAULT_MIN_SCORE),
                )
                for criterion_position, criterion in enumerate(item["criteria"], start=1):
                    criterion_model.objects.create(
                        domain=domain, position=criterion_position, **_criterion_fields(criterion)
                    )
            if publish:
                now = timezone.now()
                # Referentiel.save refuses to touch a published version: publish with update().
                referentiel_model.objects.filter(pk=referentiel.pk).update(published_at=now)
                referentiel.published_at = now
    except IntegrityError as error:  # another import took the number meanwhile
        raise VersionExistsError(taken) from error
    return referentiel


def _criterion_fields(criterion: dict) -> dict:
    is_number = criterion["kind"] == Criterion.Kind.NUMBER
    return {
        "code": criterion["code"],
        "question": criterion["question"],
        "question_en": _text(criterion, "question_en"),
        "guidance": _text(criterion, "guidance"),
        "guidance_en": _text(criterion, "guidance_en"),
        "kind": criterion["kind"],
        "weight": _number(criterion, "weight", DEFAULT_WEIGHT),
        "meets": _number(criterion, "meets", None),
        "direction": (criterion.get("direction") or Criterion.Direction.HIGHER) if is_number else "",
        "unit": _text(criterion, "unit"),
        "evidence_required": bool(criterion.get("evidence_required")),
        "evidence_hint": _text(criterion, "evidence_hint"),
        "evidence_hint_en": _text(criterion, "evidence_hint_en"),
        "iso26000": list(criterion.get("iso26000") or []),
    }


# --- Export ----------------------------------------------------------------------------


FOLD_AFTER = 80


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key; lists of plain values on one line; long texts as blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line texts keep their lines (|); long ones are folded (>) to be read without quotes.
    style = "|" if "\n" in value else ">" if len(value) > FOLD_AFTER else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_list(dumper: yaml.SafeDumper, value: list) -> yaml.SequenceNode:
    flow = all(isinstance(item, str | int | float) for item in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)


def _plain(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _with_texts(mapping: dict, obj: Referentiel | Domain | Criterion, *names: str) -> dict:
    """Add the optional texts that are not empty."""
    for name in names:
        if getattr(obj, name, ""):
            mapping[name] = getattr(obj, name)
    return mapping


def export_version(referentiel: Referentiel) -> str:
    """The YAML text of a version, in the format `import_version` reads."""
    data: dict[str, Any] = {"version": referentiel.version, "title": referentiel.title}
    _with_texts(data, referentiel, "title_en", "description", "description_en")
    data["min_overall"] = _plain(referentiel.min_overall)
    data["domains"] = []
    for domain in referentiel.domains.order_by("position", "pk"):
        item: dict[str, Any] = {"code": domain.code, "name": domain.name}
        _with_texts(item, domain, "name_en", "description", "description_en")
        item["min_score"] = _plain(domain.min_score)
        item["criteria"] = [_export_criterion(c) for c in domain.criteria.order_by("position", "pk")]
        data["domains"].append(item)
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def _export_criterion(criterion: Criterion) -> dict:
    item: dict[str, Any] = {"code": criterion.code, "question": criterion.question}
    _with_texts(item, criterion, "question_en", "guidance", "guidance_en")
    item["kind"] = criterion.kind
    if criterion.kind == Criterion.Kind.NUMBER:
        _with_texts(item, criterion, "unit")
        item["direction"] = criterion.direction or Criterion.Direction.HIGHER
    item["weight"] = _plain(criterion.weight)
    if criterion.meets is not None:
        item["meets"] = _plain(criterion.meets)
    item["evidence_required"] = criterion.evidence_required
    _with_texts(item, criterion, "evidence_hint", "evidence_hint_en")
    item["iso26000"] = list(criterion.iso26000)
    return item
