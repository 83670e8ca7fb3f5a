"""Scoring of an assessment against a référentiel version (DESIGN §4).

A pure function: ``score(spec, answers) -> Result``. No database, no Django: the
caller turns a ``Referentiel`` and its answers into the plain dataclasses below, so
the rules can be property-tested and replayed on any stored version.

Rules (this text is the reference the tests check):

1. Answers. ``answers`` maps a criterion code to its value; a missing key or ``None``
   means unanswered. Expected types: ``yes_no`` → ``bool``; ``level`` → ``int`` from 0
   to 4; ``number`` → finite ``Decimal`` or ``int``; ``text`` → ``str``. ``bool`` is
   never accepted as a level or a number, and ``float`` is refused (it cannot be
   compared exactly with a Decimal threshold).

2. Fulfilment ``s`` of a criterion, in [0, 1]:

   - yes_no: 1 if the answer is True, else 0.
   - level: level / 4.
   - number, direction "higher": if meets > 0, 0 when value ≤ 0, else
     min(value / meets, 1); if meets ≤ 0, 1 when value ≥ meets, else 0.
   - number, direction "lower" (the mirror): 1 when value ≤ meets; otherwise
     meets / value if meets > 0, else 0.
   - text: not scored.
   - unanswered: 0.

   The reported ``CriterionResult.score`` is ``s`` truncated (not rounded) to 4
   decimals, so a shown 1.0000 always means full fulfilment; domain and overall
   scores are computed from the exact ``s``.

3. Met, per criterion: yes_no: the answer is True (``meets`` must be None or 1);
   level: level ≥ meets (``meets`` from 0 to 4, None meaning 4); number: value ≥ meets
   ("higher") or value ≤ meets ("lower"), ``meets`` required; text: the answer is a
   non-blank string. Unanswered is never met.

4. Scored criteria are those of kind yes_no, level and number. Text criteria count in
   no score and are never gaps. A criterion of weight 0 is informative: it is in
   ``criteria`` with its own score and met flag, but changes no domain score, no
   overall score, and is never a gap.

5. Domain score = 100 × Σ(w·s) / Σ(w) over the domain's scored criteria. Overall score
   = 100 × Σ(w·s) / Σ(w) over the scored criteria of all domains (so a domain weighs
   what its criteria weigh). When Σ(w) = 0 (no scored criterion, or all of weight 0)
   the score is 100: there is nothing to fulfil. Sums are exact (fractions).

6. Rounding: domain and overall scores are rounded to 2 decimals with ROUND_HALF_UP,
   and thresholds are compared with these ROUNDED values: a domain is met when its
   shown score ≥ its ``min_score``; ``meets_referentiel`` = every domain met AND the
   shown overall ≥ ``min_overall``. The verdict can thus be checked from what is shown.

7. Gaps: the scored criteria of weight > 0 that are not met, in the spec's order.

8. Invalid input raises ValueError: an answer for an unknown criterion, a value of the
   wrong type for its kind, a level outside 0..4, a weight that is negative or not a
   finite Decimal, an unknown kind or direction, a criterion of an unknown domain,
   duplicated codes, a threshold that does not fit its kind (rule 3), a minimum that is
   not a Decimal from 0 to 100.

``Result.to_dict()`` is JSON-serialisable (Decimals as strings, gaps as criterion
codes) and ``Result.from_dict()`` rebuilds an equal Result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, TypeGuard

# Mirrors referentiel.models.MAX_LEVEL; importing the models would pull Django into a pure module.
MAX_LEVEL = 4
KINDS = ("yes_no", "level", "number", "text")
SCORED_KINDS = ("yes_no", "level", "number")
DIRECTIONS = ("higher", "lower")
HUNDRED = Decimal(100)
TWO_PLACES = Decimal("0.01")
FOUR_PLACES = Decimal("0.0001")
# Bumped if the rules above change, so a stored result says which rules produced it.
RULES_VERSION = 1

AnswerValue = bool | int | Decimal | str | None


@dataclass(frozen=True)
class CriterionSpec:
    code: str
    domain: str
    kind: str
    weight: Decimal
    meets: Decimal | None
    direction: str = "higher"


@dataclass(frozen=True)
class DomainSpec:
    code: str
    min_score: Decimal


@dataclass(frozen=True)
class ReferentielSpec:
    domains: tuple[DomainSpec, ...]
    criteria: tuple[CriterionSpec, ...]
    min_overall: Decimal


@dataclass(frozen=True)
class CriterionResult:
    code: str
    domain: str
    score: Decimal
    met: bool
    answered: bool
    value: AnswerValue
    expected: bool | Decimal | None
    # Not in the first sketch of the interface: from_dict needs the kind to tell a number
    # stored as a string from a text answer, and the gap table shows the weight.
    kind: str
    weight: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "domain": self.domain,
            "kind": self.kind,
            "weight": str(self.weight),
            "score": str(self.score),
            "met": self.met,
            "answered": self.answered,
            "value": _encode(self.value),
            "expected": _encode(self.expected),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CriterionResult:
        kind = data["kind"]
        value = data["value"]
        if value is not None and kind == "number":
            value = Decimal(value)
        expected = data["expected"]
        if expected is not None and kind in ("level", "number"):
            expected = Decimal(expected)
        return cls(
            code=data["code"],
            domain=data["domain"],
            score=Decimal(data["score"]),
            met=data["met"],
            answered=data["answered"],
            value=value,
            expected=expected,
            kind=kind,
            weight=Decimal(data["weight"]),
        )


@dataclass(frozen=True)
class DomainResult:
    code: str
    score: Decimal
    min_score: Decimal
    met: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "score": str(self.score),
            "min_score": str(self.min_score),
            "met": self.met,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DomainResult:
        return cls(
            code=data["code"],
            score=Decimal(data["score"]),
            min_score=Decimal(data["min_score"]),
            met=data["met"],
        )


@dataclass(frozen=True)
class Result:
    domains: tuple[DomainResult, ...]
    criteria: tuple[CriterionResult, ...]
    overall: Decimal
    meets_referentiel: bool
    gaps: tuple[CriterionResult, ...]
    # Kept so the verdict can be re-derived from the result alone (rule 6).
    min_overall: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "rules_version": RULES_VERSION,
            "domains": [d.to_dict() for d in self.domains],
            "criteria": [c.to_dict() for c in self.criteria],
            "overall": str(self.overall),
            "min_overall": str(self.min_overall),
            "meets_referentiel": self.meets_referentiel,
            "gaps": [c.code for c in self.gaps],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        try:
            criteria = tuple(CriterionResult.from_dict(c) for c in data["criteria"])
            by_code = {c.code: c for c in criteria}
            return cls(
                domains=tuple(DomainResult.from_dict(d) for d in data["domains"]),
                criteria=criteria,
                overall=Decimal(data["overall"]),
                meets_referentiel=data["meets_referentiel"],
                gaps=tuple(by_code[code] for code in data["gaps"]),
                min_overall=Decimal(data["min_overall"]),
            )
        except (KeyError, TypeError, ArithmeticError) as error:
            raise ValueError(f"Not a stored scoring result: {error!r}") from error


def score(spec: ReferentielSpec, answers: Mapping[str, AnswerValue]) -> Result:
    """Score ``answers`` against ``spec`` following the rules of the module docstring."""
    _check_spec(spec)
    known = {c.code for c in spec.criteria}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise ValueError(f"Answers for unknown criteria: {', '.join(map(str, unknown))}")

    criteria: list[CriterionResult] = []
    # Exact sums per domain: Fractions make the result independent of summation order and
    # of a common factor on the weights, which Decimal's finite precision would not.
    earned: dict[str, Fraction] = {d.code: Fraction(0) for d in spec.domains}
    possible: dict[str, Fraction] = {d.code: Fraction(0) for d in spec.domains}
    for criterion in spec.criteria:
        value = _check_answer(criterion, answers.get(criterion.code))
        fulfilment = _fulfilment(criterion, value)
        if criterion.kind in SCORED_KINDS:
            weight = Fraction(criterion.weight)
            earned[criterion.domain] += weight * fulfilment
            possible[criterion.domain] += weight
        criteria.append(
            CriterionResult(
                code=criterion.code,
                domain=criterion.domain,
                score=_to_decimal(fulfilment, FOUR_PLACES, ROUND_DOWN),
                met=_met(criterion, value),
                answered=value is not None,
                value=value,
                expected=_expected(criterion),
                kind=criterion.kind,
                weight=criterion.weight,
            )
        )

    domain_results: list[DomainResult] = []
    for domain in spec.domains:
        shown = _percent(earned[domain.code], possible[domain.code])
        domain_results.append(
            DomainResult(domain.code, shown, domain.min_score, met=shown >= domain.min_score)
        )
    domains = tuple(domain_results)
    overall = _percent(sum(earned.values(), Fraction(0)), sum(possible.values(), Fraction(0)))
    results = tuple(criteria)
    return Result(
        domains=domains,
        criteria=results,
        overall=overall,
        meets_referentiel=all(d.met for d in domains) and overall >= spec.min_overall,
        gaps=tuple(c for c in results if c.kind in SCORED_KINDS and c.weight > 0 and not c.met),
        min_overall=spec.min_overall,
    )


# --- Rules -------------------------------------------------------------------------------


def _fulfilment(criterion: CriterionSpec, value: AnswerValue) -> Fraction:
    if value is None or criterion.kind == "text":
        return Fraction(0)
    if criterion.kind == "yes_no":
        return Fraction(1 if value is True else 0)
    if criterion.kind == "level":
        return Fraction(value) / MAX_LEVEL
    number = Fraction(value)
    meets = Fraction(_threshold(criterion))
    if criterion.direction == "higher":
        if meets <= 0:
            return Fraction(1 if number >= meets else 0)
        return Fraction(0) if number <= 0 else min(number / meets, Fraction(1))
    if number <= meets:
        return Fraction(1)
    # Here number > meets: with a positive target, the further above it the lower the score.
    return meets / number if meets > 0 else Fraction(0)


def _met(criterion: CriterionSpec, value: AnswerValue) -> bool:
    if value is None:
        return False
    if criterion.kind == "yes_no":
        return value is True
    if criterion.kind == "text":
        return bool(str(value).strip())
    number, threshold = Decimal(value), _threshold(criterion)
    if criterion.kind == "number" and criterion.direction == "lower":
        return number <= threshold
    return number >= threshold


def _threshold(criterion: CriterionSpec) -> Decimal:
    # Only level thresholds may be None (number ones are checked); no stated level means the top one.
    return criterion.meets if criterion.meets is not None else Decimal(MAX_LEVEL)


def _expected(criterion: CriterionSpec) -> bool | Decimal | None:
    if criterion.kind == "yes_no":
        return True
    if criterion.kind == "text":
        return None
    return _threshold(criterion)


def _percent(earned: Fraction, possible: Fraction) -> Decimal:
    if possible == 0:
        return HUNDRED.quantize(TWO_PLACES)
    return _to_decimal(100 * earned / possible, TWO_PLACES, ROUND_HALF_UP)


def _to_decimal(fraction: Fraction, places: Decimal, rounding: str) -> Decimal:
    # Dividing two exact Decimals would first round to the context precision (28 digits) and
    # could then round a second time the wrong way at a .xx5 boundary; divide exactly instead.
    scale = 1 / Fraction(places)
    scaled = fraction * scale
    whole, remainder = divmod(scaled.numerator, scaled.denominator)
    if rounding == ROUND_HALF_UP and 2 * remainder >= scaled.denominator:
        whole += 1
    return (Decimal(whole) * places).quantize(places)


# --- Validation --------------------------------------------------------------------------


def _check_spec(spec: ReferentielSpec) -> None:
    domain_codes = [d.code for d in spec.domains]
    _check_unique("domain", domain_codes)
    _check_unique("criterion", [c.code for c in spec.criteria])
    for domain in spec.domains:
        _check_percent(f"Domain {domain.code!r}: min_score", domain.min_score)
    _check_percent("min_overall", spec.min_overall)
    for criterion in spec.criteria:
        where = f"Criterion {criterion.code!r}"
        if criterion.domain not in domain_codes:
            raise ValueError(f"{where} belongs to an unknown domain {criterion.domain!r}")
        if criterion.kind not in KINDS:
            raise ValueError(f"{where}: unknown kind {criterion.kind!r} (expected one of {', '.join(KINDS)})")
        if criterion.direction not in DIRECTIONS:
            raise ValueError(f"{where}: direction must be 'higher' or 'lower', not {criterion.direction!r}")
        if not _is_decimal(criterion.weight):
            raise ValueError(f"{where}: the weight must be a finite Decimal, not {criterion.weight!r}")
        if criterion.weight < 0:
            raise ValueError(f"{where}: the weight must be ≥ 0, not {criterion.weight}")
        _check_meets(where, criterion)


def _check_meets(where: str, criterion: CriterionSpec) -> None:
    meets = criterion.meets
    if meets is not None and not _is_decimal(meets):
        raise ValueError(f"{where}: the threshold must be a finite Decimal or None, not {meets!r}")
    if criterion.kind == "yes_no" and meets is not None and meets != 1:
        raise ValueError(f"{where}: a yes/no criterion is met by 'yes' (threshold 1 or None), not {meets}")
    if criterion.kind == "level" and meets is not None and not 0 <= meets <= MAX_LEVEL:
        raise ValueError(f"{where}: the level that meets it must be between 0 and {MAX_LEVEL}, not {meets}")
    if criterion.kind == "number" and meets is None:
        raise ValueError(f"{where}: a number criterion needs a target value")


def _check_answer(criterion: CriterionSpec, value: object) -> AnswerValue:
    """The answer, checked, with numbers as Decimal; None when unanswered."""
    if value is None:
        return None
    where = f"Answer to {criterion.code!r} ({criterion.kind})"
    if criterion.kind == "yes_no":
        if not isinstance(value, bool):
            raise ValueError(f"{where} must be True or False, not {value!r}")
        return value
    if criterion.kind == "level":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where} must be an integer level, not {value!r}")
        if not 0 <= value <= MAX_LEVEL:
            raise ValueError(f"{where} must be between 0 and {MAX_LEVEL}, not {value}")
        return value
    if criterion.kind == "number":
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        if not _is_decimal(value):
            raise ValueError(f"{where} must be a finite Decimal or an int, not {value!r}")
        return value
    if not isinstance(value, str):
        raise ValueError(f"{where} must be a string, not {value!r}")
    return value


def _is_decimal(value: object) -> TypeGuard[Decimal]:
    return isinstance(value, Decimal) and value.is_finite()


def _check_percent(what: str, value: object) -> None:
    if not _is_decimal(value) or not 0 <= value <= 100:
        raise ValueError(f"{what} must be a Decimal percentage between 0 and 100, not {value!r}")


def _check_unique(what: str, codes: list[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise ValueError(f"Duplicate {what} code {code!r}")
        seen.add(code)


def _encode(value: AnswerValue | Decimal) -> bool | int | str | None:
    # bool before int on purpose: True is an int in Python but must stay a JSON boolean.
    if isinstance(value, bool | int | str) or value is None:
        return value
    return str(value)
