"""The weighted tally of DESIGN §5, by examples and by properties (Hypothesis)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assemblee.tally import ABSTAIN, OPTIONS, CollegeCount, tally

COLLEGES = ["consommateurs", "chercheurs", "syndicats", "acteurs", "region"]


def college(code: str, weight: int, eligible: int, **votes: int) -> CollegeCount:
    return CollegeCount(code=code, weight=Decimal(weight), eligible=eligible, votes=votes)


def test_each_college_weighs_by_its_weight_not_its_size() -> None:
    result = tally(
        [college("a", 50, 10, admit=9, refuse=1), college("b", 50, 2, refuse=2)], quorum_colleges=Decimal(0)
    )
    assert result.scores == {
        "admit": Decimal("45.00"),
        "progress_plan": Decimal("0.00"),
        "refuse": Decimal("55.00"),
    }
    assert result.winner == "refuse"


def test_colleges_that_only_abstained_do_not_weigh_and_the_others_are_renormalised() -> None:
    result = tally([college("a", 30, 2, admit=2), college("b", 70, 2, abstain=2)])
    assert result.scores["admit"] == Decimal("100.00")
    assert result.winner == "admit"


def test_abstention_counts_as_present_for_the_quorum() -> None:
    result = tally([college("a", 50, 4, abstain=2), college("b", 50, 4, admit=1)])
    assert (result.present, result.quorum) == (3, False)


def test_the_quorum_needs_half_of_the_eligible_members() -> None:
    assert tally([college("a", 50, 4, admit=1), college("b", 50, 4, admit=1)]).quorum is False
    assert tally([college("a", 50, 4, admit=2), college("b", 50, 4, admit=2)]).quorum is True


def test_the_quorum_needs_half_of_the_colleges_represented() -> None:
    counts = [college(code, 20, 2) for code in COLLEGES]
    counts[0] = college("consommateurs", 20, 2, admit=2)
    counts[1] = college("chercheurs", 20, 2, admit=2)
    counts[2] = college("syndicats", 20, 1, admit=1)
    # 5 of 9 members voted, but only 3 colleges of 5: enough (3 >= 2.5).
    assert tally(counts).quorum is True
    counts[2] = college("syndicats", 20, 1)
    counts[3] = college("acteurs", 20, 2)
    assert tally(counts).quorum is False


def test_exactly_fifty_percent_is_no_decision() -> None:
    result = tally([college("a", 50, 1, admit=1), college("b", 50, 1, refuse=1)])
    assert result.scores["admit"] == Decimal("50.00")
    assert result.winner is None


def test_without_quorum_there_is_no_decision_even_with_a_majority() -> None:
    result = tally([college("a", 50, 10, admit=1), college("b", 50, 10)])
    assert result.scores["admit"] == Decimal("100.00")
    assert result.winner is None


def test_vacant_colleges_count_against_the_college_quorum() -> None:
    # Three of five colleges vacant: two ballots in one college of 20 % admitted an organisation.
    counts = [college("a", 20, 2, admit=2), college("b", 20, 2), *(college(c, 20, 0) for c in "cde")]
    result = tally(counts)
    assert (result.colleges_represented, result.colleges, result.quorum) == (1, 5, False)
    assert result.winner is None


def test_a_college_whose_seated_members_are_all_recused_is_not_represented() -> None:
    # College b's only member is recused on this item: nobody is eligible there.
    result = tally([college("a", 50, 2, admit=2), college("b", 25, 0), college("c", 25, 0)])
    assert (result.colleges_with_members, result.colleges_represented, result.colleges) == (1, 1, 3)
    assert result.quorum is False


def test_half_of_all_the_colleges_represented_is_enough() -> None:
    result = tally([college("a", 50, 2, admit=2), college("b", 50, 0)])
    assert (result.colleges_represented, result.colleges, result.quorum, result.winner) == (
        1,
        2,
        True,
        "admit",
    )


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="more ballots than eligible"):
        tally([college("a", 100, 1, admit=2)])
    with pytest.raises(ValueError, match="unknown options"):
        tally([college("a", 100, 2, maybe=1)])


# --- Properties --------------------------------------------------------------------------

CHOICES = [*OPTIONS, ABSTAIN]


@st.composite
def assemblies(draw) -> list[CollegeCount]:
    size = draw(st.integers(1, 6))
    counts = []
    for index in range(size):
        eligible = draw(st.integers(0, 12))
        ballots = draw(st.lists(st.sampled_from(CHOICES), max_size=eligible))
        votes = {choice: ballots.count(choice) for choice in CHOICES if ballots.count(choice)}
        weight = draw(st.integers(0, 60))
        counts.append(CollegeCount(code=f"c{index}", weight=Decimal(weight), eligible=eligible, votes=votes))
    return counts


def exact_scores(counts: list[CollegeCount]) -> dict[str, float]:
    weighing = [c for c in counts if c.expressed > 0]
    total = sum(float(c.weight) for c in weighing)
    if total == 0:
        return dict.fromkeys(OPTIONS, 0.0)
    return {
        o: sum(float(c.weight) * c.votes.get(o, 0) / c.expressed for c in weighing) / total * 100
        for o in OPTIONS
    }


@settings(max_examples=300, deadline=None, database=None)
@given(assemblies())
def test_scores_are_the_renormalised_weighted_shares(counts) -> None:
    result = tally(counts)
    expected = exact_scores(counts)
    assert all(abs(float(result.scores[o]) - expected[o]) <= 0.005 + 1e-9 for o in OPTIONS)  # rounded to 0.01


@settings(max_examples=300, deadline=None, database=None)
@given(assemblies())
def test_scores_sum_to_one_hundred_when_anyone_expressed_a_choice(counts) -> None:
    result = tally(counts)
    weighing = [c for c in counts if c.expressed > 0 and c.weight > 0]
    total = sum(result.scores.values())
    assert abs(total - (100 if weighing else 0)) <= Decimal("0.02")


@settings(max_examples=300, deadline=None, database=None)
@given(assemblies())
def test_a_winner_needs_the_quorum_and_more_than_half(counts) -> None:
    result = tally(counts)
    expected = exact_scores(counts)
    winners = [o for o in OPTIONS if expected[o] > 50 + 1e-9]
    assert result.winner == (winners[0] if result.quorum and winners else None)


@settings(max_examples=300, deadline=None, database=None)
@given(assemblies(), st.data())
def test_abstaining_changes_the_quorum_but_never_the_scores(counts, data) -> None:
    index = data.draw(st.integers(0, len(counts) - 1))
    chosen = counts[index]
    if chosen.ballots >= chosen.eligible:
        return
    more = dict(chosen.votes)
    more[ABSTAIN] = more.get(ABSTAIN, 0) + 1
    changed = [
        *counts[:index],
        CollegeCount(chosen.code, chosen.weight, chosen.eligible, more),
        *counts[index + 1 :],
    ]
    before, after = tally(counts), tally(changed)
    assert after.scores == before.scores
    assert after.present == before.present + 1


@settings(max_examples=300, deadline=None, database=None)
@given(assemblies())
def test_a_quorum_needs_half_of_all_the_colleges_represented(counts) -> None:
    result = tally(counts)
    represented = sum(1 for c in counts if c.ballots > 0)
    assert result.colleges == len(counts)
    assert not result.quorum or 2 * represented >= len(counts)


@settings(max_examples=300, deadline=None, database=None)
@given(assemblies(), st.integers(0, 60))
def test_a_vacant_college_never_brings_the_quorum_and_never_changes_the_scores(counts, weight) -> None:
    before = tally(counts)
    after = tally([*counts, CollegeCount(code="vacant", weight=Decimal(weight), eligible=0)])
    assert after.scores == before.scores
    assert after.quorum <= before.quorum


@settings(max_examples=200, deadline=None, database=None)
@given(assemblies())
def test_the_order_of_the_colleges_does_not_matter(counts) -> None:
    assert tally(counts).scores == tally(list(reversed(counts))).scores
