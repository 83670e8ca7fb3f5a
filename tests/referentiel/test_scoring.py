"""The scoring of an assessment (referentiel.scoring), exactly as its module docstring documents it."""

import json
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referentiel import models
from referentiel.scoring import (
    MAX_LEVEL,
    AnswerValue,
    CriterionSpec,
    DomainSpec,
    ReferentielSpec,
    Result,
    score,
)

D = Decimal
ROOT = Path(__file__).resolve().parents[2]
# database=None: tests run with -p no:cacheprovider and must not write .hypothesis/ into the repository.
PROPERTY = settings(max_examples=200, deadline=None, database=None)
# For the properties beyond the five main ones, to keep the whole file under about ten seconds.
EXTRA_PROPERTY = settings(PROPERTY, max_examples=100)


def criterion(
    code: str,
    kind: str,
    weight: str = "1",
    meets: str | None = None,
    domain: str = "d",
    direction: str = "higher",
) -> CriterionSpec:
    return CriterionSpec(code, domain, kind, D(weight), None if meets is None else D(meets), direction)


def one_domain(*criteria: CriterionSpec, min_score: str = "0", min_overall: str = "0") -> ReferentielSpec:
    return ReferentielSpec((DomainSpec("d", D(min_score)),), criteria, D(min_overall))


def two_domains(gov_min: str = "50", env_min: str = "40", min_overall: str = "50") -> ReferentielSpec:
    """Governance: 83.33 %, environment: 28.75 %, overall 52.14 % with ANSWERS (hand-computed)."""
    return ReferentielSpec(
        domains=(DomainSpec("gov", D(gov_min)), DomainSpec("env", D(env_min))),
        criteria=(
            criterion("g1", "yes_no", "2", "1", domain="gov"),  # yes: 2 × 1
            criterion("g2", "level", "1", "3", domain="gov"),  # level 2: 1 × 2/4, below the 3 that meets it
            criterion("g3", "text", "1", domain="gov"),  # not scored
            criterion("e1", "number", "1", "50", domain="env"),  # 20 of 50: 1 × 0.4
            criterion("e2", "number", "3", "10", domain="env", direction="lower"),  # 40 for ≤ 10: 3 × 0.25
            criterion("e3", "yes_no", "0", domain="env"),  # weight 0: informative only
        ),
        min_overall=D(min_overall),
    )


ANSWERS: dict[str, AnswerValue] = {
    "g1": True,
    "g2": 2,
    "g3": "Statuts de SCIC",
    "e1": D(20),
    "e2": D(40),
    "e3": False,
}


def domain_scores(result: Result) -> dict[str, Decimal]:
    return {d.code: d.score for d in result.domains}


# --- Examples ----------------------------------------------------------------------------


def test_domain_scores_are_the_weighted_mean_of_fulfilment_in_percent() -> None:
    # gov = 100 × (2×1 + 1×0.5) / 3 = 83.333…; env = 100 × (1×0.4 + 3×0.25) / 4 = 28.75
    assert domain_scores(score(two_domains(), ANSWERS)) == {"gov": D("83.33"), "env": D("28.75")}


def test_the_overall_score_weighs_every_scored_criterion_of_every_domain() -> None:
    # 100 × (2 + 0.5 + 0.4 + 0.75) / (3 + 4) = 52.142…
    assert score(two_domains(), ANSWERS).overall == D("52.14")


def test_one_domain_below_its_minimum_fails_the_referentiel_even_with_a_good_overall_score() -> None:
    result = score(two_domains(), ANSWERS)
    assert [d.met for d in result.domains] == [True, False]
    assert result.overall >= result.min_overall
    assert result.meets_referentiel is False


def test_a_domain_score_exactly_at_its_minimum_passes() -> None:
    result = score(two_domains(env_min="28.75"), ANSWERS)
    assert result.domains[1].met is True
    assert result.meets_referentiel is True


def test_a_domain_score_one_hundredth_below_its_minimum_fails() -> None:
    result = score(two_domains(env_min="28.76"), ANSWERS)
    assert result.domains[1].met is False
    assert result.meets_referentiel is False


def test_an_overall_score_exactly_at_the_minimum_passes_and_one_hundredth_below_fails() -> None:
    assert score(two_domains(env_min="0", min_overall="52.14"), ANSWERS).meets_referentiel is True
    assert score(two_domains(env_min="0", min_overall="52.15"), ANSWERS).meets_referentiel is False


def test_thresholds_are_compared_with_the_rounded_score_that_is_shown() -> None:
    # Exactly 66.666…, below 66.67, but shown as 66.67: the shown score decides.
    spec = one_domain(criterion("a", "yes_no", "2"), criterion("b", "yes_no", "1"), min_score="66.67")
    result = score(spec, {"a": True, "b": False})
    assert result.domains[0].score == D("66.67")
    assert result.domains[0].met is True


def test_percentages_are_rounded_half_up() -> None:
    # 24.69 / 200 = 0.12345 exactly: 12.345 % is shown 12.35 (half-even would give 12.34).
    spec = one_domain(criterion("n", "number", "1", "200"))
    assert score(spec, {"n": D("24.69")}).overall == D("12.35")


def test_an_unanswered_criterion_counts_as_zero_and_is_not_met() -> None:
    spec = one_domain(criterion("a", "yes_no"), criterion("b", "level", meets="2"))
    result = score(spec, {"a": True, "b": None})
    assert result.overall == D("50.00")
    assert [(c.answered, c.met, c.score) for c in result.criteria][1] == (False, False, D(0))


def test_a_missing_answer_is_the_same_as_none() -> None:
    assert score(two_domains(), {"g1": True}) == score(two_domains(), {"g1": True, "g2": None, "e1": None})


def test_gaps_list_exactly_the_unmet_scored_criteria_of_some_weight_in_order() -> None:
    # g3 (text) and e3 (weight 0, unmet) are never gaps.
    assert [c.code for c in score(two_domains(), ANSWERS).gaps] == ["g2", "e1", "e2"]


def test_a_criterion_of_weight_zero_is_still_reported_with_its_own_score() -> None:
    e3 = score(two_domains(), {**ANSWERS, "e3": True}).criteria[5]
    assert (e3.code, e3.score, e3.met) == ("e3", D(1), True)


def test_a_text_criterion_is_met_by_a_non_blank_answer_but_never_scored() -> None:
    spec = one_domain(criterion("t", "text"), criterion("a", "yes_no"))
    assert [c.met for c in score(spec, {"t": "Oui", "a": False}).criteria] == [True, False]
    assert score(spec, {"t": "  ", "a": False}).criteria[0].met is False
    assert score(spec, {"t": "Oui", "a": False}).overall == D("0.00")


def test_a_domain_with_nothing_to_fulfil_scores_one_hundred() -> None:
    spec = one_domain(
        criterion("t", "text"), criterion("z", "yes_no", "0"), min_score="100", min_overall="100"
    )
    result = score(spec, {"z": False})
    assert (result.domains[0].score, result.overall, result.meets_referentiel) == (D(100), D(100), True)


def test_a_level_scores_its_quarter_and_meets_from_the_stated_level() -> None:
    spec = one_domain(criterion("l", "level", meets="3"))
    assert [(c.score, c.met) for c in score(spec, {"l": 3}).criteria] == [(D("0.75"), True)]
    assert [(c.score, c.met) for c in score(spec, {"l": 2}).criteria] == [(D("0.5"), False)]


def test_a_level_without_a_stated_threshold_is_met_only_at_the_top_level() -> None:
    spec = one_domain(criterion("l", "level"))
    assert score(spec, {"l": 3}).criteria[0].met is False
    assert score(spec, {"l": MAX_LEVEL}).criteria[0].met is True


@pytest.mark.parametrize(
    ("value", "fulfilment", "met"),
    [(D(20), D("0.4"), False), (D(50), D(1), True), (D(80), D(1), True), (D(-5), D(0), False)],
)
def test_a_higher_is_better_number_scores_its_share_of_the_target(
    value: Decimal, fulfilment: Decimal, met: bool
) -> None:
    result = score(one_domain(criterion("n", "number", meets="50")), {"n": value})
    assert (result.criteria[0].score, result.criteria[0].met) == (fulfilment, met)


@pytest.mark.parametrize(
    ("value", "fulfilment", "met"),
    [(D(5), D(1), True), (D(10), D(1), True), (D(40), D("0.25"), False), (D(30), D("0.3333"), False)],
)
def test_a_lower_is_better_number_scores_the_target_over_the_value_above_the_target(
    value: Decimal, fulfilment: Decimal, met: bool
) -> None:
    result = score(one_domain(criterion("n", "number", meets="10", direction="lower")), {"n": value})
    assert (result.criteria[0].score, result.criteria[0].met) == (fulfilment, met)


@pytest.mark.parametrize(
    ("direction", "value", "fulfilment"),
    [("higher", D(-3), D(1)), ("higher", D(-7), D(0)), ("lower", D(-7), D(1)), ("lower", D(-3), D(0))],
)
def test_a_number_with_a_target_of_zero_or_less_is_all_or_nothing(
    direction: str, value: Decimal, fulfilment: Decimal
) -> None:
    result = score(one_domain(criterion("n", "number", meets="-5", direction=direction)), {"n": value})
    assert result.criteria[0].score == fulfilment


def test_a_shown_criterion_score_of_one_always_means_the_target_is_reached() -> None:
    # 49.999 / 50 = 0.99998 would round up to 1.0000; it is truncated to 0.9999 instead.
    result = score(one_domain(criterion("n", "number", meets="50")), {"n": D("49.999")})
    assert (result.criteria[0].score, result.criteria[0].met) == (D("0.9999"), False)


def test_a_number_answer_may_be_an_int_and_is_reported_as_a_decimal() -> None:
    result = score(one_domain(criterion("n", "number", meets="50")), {"n": 25})
    assert result.criteria[0].value == D(25)
    assert isinstance(result.criteria[0].value, Decimal)


def test_the_result_survives_a_round_trip_through_json() -> None:
    result = score(two_domains(), ANSWERS)
    assert Result.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_a_number_answer_that_looks_like_text_keeps_its_type_after_a_round_trip() -> None:
    spec = one_domain(criterion("n", "number", meets="3"), criterion("t", "text"))
    result = score(spec, {"n": D("2.50"), "t": "2.50"})
    values = [c.value for c in Result.from_dict(json.loads(json.dumps(result.to_dict()))).criteria]
    assert values == [D("2.50"), "2.50"]
    assert [type(v) for v in values] == [Decimal, str]


def test_a_stored_result_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError, match="Not a stored scoring result"):
        Result.from_dict({"domains": []})


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"nope": True}, "unknown criteria: nope"),
        ({"g1": 1}, "'g1' .* must be True or False"),
        ({"g1": "yes"}, "'g1' .* must be True or False"),
        ({"g2": True}, "'g2' .* must be an integer level"),
        ({"g2": D(2)}, "'g2' .* must be an integer level"),
        ({"g2": 5}, "'g2' .* between 0 and 4"),
        ({"g2": -1}, "'g2' .* between 0 and 4"),
        ({"e1": 2.5}, "'e1' .* finite Decimal or an int"),
        ({"e1": "20"}, "'e1' .* finite Decimal or an int"),
        ({"e1": True}, "'e1' .* finite Decimal or an int"),
        ({"e1": D("NaN")}, "'e1' .* finite Decimal or an int"),
        ({"g3": 3}, "'g3' .* must be a string"),
    ],
)
def test_an_answer_of_the_wrong_kind_is_refused_with_a_clear_message(
    answers: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        score(two_domains(), answers)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c | {"weight": D("-0.01")}, "weight must be ≥ 0"),
        (lambda c: c | {"weight": 1}, "weight must be a finite Decimal"),
        (lambda c: c | {"domain": "nowhere"}, "unknown domain 'nowhere'"),
        (lambda c: c | {"kind": "stars"}, "unknown kind 'stars'"),
        (lambda c: c | {"direction": "up"}, "direction must be 'higher' or 'lower'"),
        (lambda c: c | {"kind": "number", "meets": None}, "needs a target value"),
        (lambda c: c | {"kind": "level", "meets": D(5)}, "between 0 and 4"),
        (lambda c: c | {"kind": "yes_no", "meets": D(2)}, "threshold 1 or None"),
    ],
)
def test_an_invalid_criterion_is_refused_with_a_clear_message(
    change: Callable[[dict[str, object]], dict[str, object]], message: str
) -> None:
    fields = {
        "code": "c",
        "domain": "d",
        "kind": "level",
        "weight": D(1),
        "meets": D(2),
        "direction": "higher",
    }
    with pytest.raises(ValueError, match=message):
        score(one_domain(CriterionSpec(**change(fields))), {})  # type: ignore[arg-type]


def test_duplicate_codes_and_minimums_outside_zero_to_one_hundred_are_refused() -> None:
    with pytest.raises(ValueError, match="Duplicate criterion code 'a'"):
        score(one_domain(criterion("a", "yes_no"), criterion("a", "level")), {})
    with pytest.raises(ValueError, match="min_overall must be a Decimal percentage"):
        score(one_domain(min_overall="100.01"), {})


def test_the_scoring_module_imports_nothing_from_django() -> None:
    code = "import sys, referentiel.scoring; print(sorted(m for m in sys.modules if m.startswith('django')))"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_the_top_level_is_the_one_of_the_models() -> None:
    assert MAX_LEVEL == models.MAX_LEVEL


# --- Properties ----------------------------------------------------------------------------

KINDS = ("yes_no", "level", "number", "text")
MISSING = object()  # the criterion's code is absent from the answers
numbers = st.decimals(min_value=-1000, max_value=1000, places=2)
# Strategies are built once: building them inside the composites below tripled the run time.
kinds = st.sampled_from(KINDS)
directions = st.sampled_from(["higher", "lower"])
weights = st.decimals(min_value=0, max_value=10, places=2)
ZERO_WEIGHT = st.just(D(0))
# Low minimums are drawn often so that verdicts of True are common enough to be tested.
percents = st.sampled_from([D(0), D(20), D(40), D(50)]) | st.decimals(min_value=0, max_value=100, places=2)
THRESHOLDS: dict[str, st.SearchStrategy[Decimal | None]] = {
    "yes_no": st.sampled_from([None, D(1)]),
    "level": st.none() | st.decimals(min_value=0, max_value=MAX_LEVEL, places=2),
    "number": numbers,
    "text": st.none(),
}
VALUES: dict[str, st.SearchStrategy[AnswerValue]] = {
    "yes_no": st.booleans(),
    "level": st.integers(0, MAX_LEVEL),
    "number": numbers | st.integers(-1000, 1000),
    "text": st.text(max_size=10),
}
ANSWERS_OR_NOT = {kind: st.just(MISSING) | st.none() | values for kind, values in VALUES.items()}


def draw_criterion(
    draw: st.DrawFn, code: str, domain: str, weight: st.SearchStrategy[Decimal] = weights
) -> CriterionSpec:
    kind = draw(kinds)
    direction = draw(directions) if kind == "number" else "higher"
    return CriterionSpec(code, domain, kind, draw(weight), draw(THRESHOLDS[kind]), direction)


@st.composite
def referentiels(draw: st.DrawFn) -> ReferentielSpec:
    domains = tuple(DomainSpec(f"d{i}", draw(percents)) for i in range(draw(st.integers(1, 6))))
    criteria = tuple(
        draw_criterion(draw, f"{domain.code}-c{j}", domain.code)
        for domain in domains
        for j in range(draw(st.integers(1, 6)))
    )
    return ReferentielSpec(domains, criteria, draw(percents))


def draw_answers(draw: st.DrawFn, spec: ReferentielSpec) -> dict[str, AnswerValue]:
    answers: dict[str, AnswerValue] = {}
    for c in spec.criteria:
        value = draw(ANSWERS_OR_NOT[c.kind])
        if value is not MISSING:
            answers[c.code] = value  # type: ignore[assignment]
    return answers


@st.composite
def cases(draw: st.DrawFn) -> tuple[ReferentielSpec, dict[str, AnswerValue]]:
    spec = draw(referentiels())
    return spec, draw_answers(draw, spec)


@st.composite
def better(draw: st.DrawFn, spec: CriterionSpec, old: AnswerValue) -> AnswerValue:
    """An answer at least as good as ``old``: a raised one, or any answer where there was none."""
    if old is None or spec.kind == "text":  # any text: text counts in no score
        return draw(VALUES[spec.kind])
    if spec.kind == "yes_no":
        return True
    if spec.kind == "level":
        return draw(st.integers(old, MAX_LEVEL))  # type: ignore[arg-type]
    step = draw(st.decimals(min_value=0, max_value=1000, places=2))
    return old + step if spec.direction == "higher" else old - step  # type: ignore[operator]


@st.composite
def raised_cases(draw: st.DrawFn) -> tuple[ReferentielSpec, dict[str, AnswerValue], dict[str, AnswerValue]]:
    spec, answers = draw(cases())
    target = draw(st.sampled_from(spec.criteria))
    # The target's old answer is drawn again without the "missing" branch: a raise from an actual
    # answer is where the number rules can go wrong, and it was too rare otherwise.
    old = draw(st.none() | VALUES[target.kind])
    answers = answers | {target.code: old}
    return spec, answers, answers | {target.code: draw(better(target, old))}


@PROPERTY
@given(raised_cases())
def test_a_better_answer_never_lowers_a_score_nor_loses_the_referentiel(
    case: tuple[ReferentielSpec, dict[str, AnswerValue], dict[str, AnswerValue]],
) -> None:
    spec, answers, raised = case
    before, after = score(spec, answers), score(spec, raised)
    assert all(a.score >= b.score for a, b in zip(after.domains, before.domains, strict=True))
    assert after.overall >= before.overall
    assert after.meets_referentiel or not before.meets_referentiel


@st.composite
def raised_answers(draw: st.DrawFn) -> tuple[CriterionSpec, AnswerValue, AnswerValue]:
    spec = draw_criterion(draw, "c", "d")
    old = draw(st.none() | VALUES[spec.kind])
    return spec, old, draw(better(spec, old))


@PROPERTY
@given(raised_answers())
def test_a_better_answer_never_lowers_the_criterion_s_own_score_nor_unmeets_it(
    case: tuple[CriterionSpec, AnswerValue, AnswerValue],
) -> None:
    spec, old, new = case
    before, after = (
        score(one_domain(spec), {"c": old}).criteria[0],
        score(one_domain(spec), {"c": new}).criteria[0],
    )
    assert after.score >= before.score
    assert after.met or not before.met or spec.kind == "text"  # any new text may be blank


@PROPERTY
@given(cases())
def test_scores_stay_within_their_bounds(case: tuple[ReferentielSpec, dict[str, AnswerValue]]) -> None:
    result = score(*case)
    assert all(D(0) <= s <= D(100) for s in [result.overall, *(d.score for d in result.domains)])
    assert all(D(0) <= c.score <= D(1) for c in result.criteria)


@st.composite
def with_a_weightless_criterion(
    draw: st.DrawFn,
) -> tuple[ReferentielSpec, dict[str, AnswerValue], ReferentielSpec, dict[str, AnswerValue]]:
    spec, answers = draw(cases())
    domain = draw(st.sampled_from(spec.domains))
    extra = draw_criterion(draw, "extra", domain.code, ZERO_WEIGHT)
    at = draw(st.integers(0, len(spec.criteria)))
    bigger = ReferentielSpec(
        spec.domains, (*spec.criteria[:at], extra, *spec.criteria[at:]), spec.min_overall
    )
    value = draw(st.none() | VALUES[extra.kind])
    return spec, answers, bigger, answers | {"extra": value}


@PROPERTY
@given(with_a_weightless_criterion())
def test_a_criterion_of_weight_zero_changes_no_score_nor_the_verdict(
    case: tuple[ReferentielSpec, dict[str, AnswerValue], ReferentielSpec, dict[str, AnswerValue]],
) -> None:
    spec, answers, bigger, more_answers = case
    before, after = score(spec, answers), score(bigger, more_answers)
    assert after.domains == before.domains
    assert after.overall == before.overall
    assert (after.meets_referentiel, after.gaps) == (before.meets_referentiel, before.gaps)


@PROPERTY
@given(cases(), st.decimals(min_value=D("0.01"), max_value=100, places=2))
def test_scaling_every_weight_by_the_same_factor_changes_nothing(
    case: tuple[ReferentielSpec, dict[str, AnswerValue]], factor: Decimal
) -> None:
    spec, answers = case
    scaled_criteria = tuple(
        CriterionSpec(c.code, c.domain, c.kind, c.weight * factor, c.meets, c.direction)
        for c in spec.criteria
    )
    before = score(spec, answers)
    after = score(ReferentielSpec(spec.domains, scaled_criteria, spec.min_overall), answers)
    assert (after.domains, after.overall) == (before.domains, before.overall)
    assert after.meets_referentiel == before.meets_referentiel
    assert [c.code for c in after.gaps] == [c.code for c in before.gaps]


@PROPERTY
@given(cases())
def test_the_verdict_is_exactly_every_domain_at_its_minimum_and_the_overall_at_its_own(
    case: tuple[ReferentielSpec, dict[str, AnswerValue]],
) -> None:
    spec, answers = case
    result = score(spec, answers)
    expected = all(d.score >= d.min_score for d in result.domains) and result.overall >= spec.min_overall
    assert result.meets_referentiel == expected
    assert [d.min_score for d in result.domains] == [d.min_score for d in spec.domains]


@EXTRA_PROPERTY
@given(cases())
def test_gaps_are_the_unmet_scored_criteria_of_some_weight(
    case: tuple[ReferentielSpec, dict[str, AnswerValue]],
) -> None:
    result = score(*case)
    expected = [c for c in result.criteria if c.kind != "text" and c.weight > 0 and not c.met]
    assert list(result.gaps) == expected


@PROPERTY
@given(cases(), st.randoms(use_true_random=False))
def test_the_score_is_deterministic_and_ignores_the_order_of_the_answers(
    case: tuple[ReferentielSpec, dict[str, AnswerValue]], random: Random
) -> None:
    spec, answers = case
    items = list(answers.items())
    random.shuffle(items)
    assert score(spec, answers) == score(spec, answers)
    assert score(spec, dict(items)) == score(spec, answers)


@EXTRA_PROPERTY
@given(cases())
def test_every_result_survives_a_round_trip_through_json(
    case: tuple[ReferentielSpec, dict[str, AnswerValue]],
) -> None:
    result = score(*case)
    assert Result.from_dict(json.loads(json.dumps(result.to_dict()))) == result
