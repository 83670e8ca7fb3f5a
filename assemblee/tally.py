"""The weighted tally of the assembly (DESIGN §5). Pure: counts in, result out.

For each college c of weight w_c, share_c(o) = ballots for option o in c divided
by the non-abstaining ballots in c. The score of option o is

    score(o) = Σ w_c · share_c(o) / Σ w_c

over the colleges with at least one non-abstaining ballot: a college where
everyone abstained (or nobody voted) does not weigh, and the others are
renormalised. An option wins with a score strictly above 50 %.

Quorum: at least `quorum_members` of the eligible members cast a ballot
(abstaining counts as present), and at least `quorum_colleges` of ALL the
colleges of the assembly are represented by at least one ballot. Recused members
are neither eligible nor present, so a college without seated members, or whose
seated members are all recused, counts as not represented: an assembly whose
colleges are mostly vacant does not decide, however heavily the others vote.
Without quorum, or when no option passes 50 %, there is no decision.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

OPTIONS = ("admit", "progress_plan", "refuse")
ABSTAIN = "abstain"
MAJORITY = Fraction(1, 2)


@dataclass(frozen=True)
class CollegeCount:
    code: str
    weight: Decimal
    eligible: int  # seated members not recused
    votes: Mapping[str, int] = field(default_factory=dict)  # option (or "abstain") -> ballots

    @property
    def ballots(self) -> int:
        return sum(self.votes.values())

    @property
    def expressed(self) -> int:
        return sum(self.votes.get(option, 0) for option in OPTIONS)


@dataclass(frozen=True)
class TallyResult:
    scores: dict[str, Decimal]  # option -> percent, 2 decimals
    shares: dict[str, dict[str, Decimal]]  # college -> option -> percent
    eligible: int
    present: int
    colleges: int  # all the colleges of the assembly: the base of the college quorum
    colleges_with_members: int
    colleges_represented: int
    quorum: bool
    winner: str | None  # None: no decision

    def to_dict(self) -> dict:
        return {
            "scores": {k: str(v) for k, v in self.scores.items()},
            "shares": {c: {k: str(v) for k, v in s.items()} for c, s in self.shares.items()},
            "eligible": self.eligible,
            "present": self.present,
            "colleges": self.colleges,
            "colleges_with_members": self.colleges_with_members,
            "colleges_represented": self.colleges_represented,
            "quorum": self.quorum,
            "winner": self.winner,
        }


def _percent(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) * 100 / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def tally(
    colleges: Sequence[CollegeCount],
    *,
    quorum_members: Decimal = Decimal("0.5"),
    quorum_colleges: Decimal = Decimal("0.5"),
) -> TallyResult:
    for college in colleges:
        if college.weight < 0 or college.eligible < 0 or any(n < 0 for n in college.votes.values()):
            raise ValueError(f"negative count or weight in college {college.code}")
        unknown = set(college.votes) - {*OPTIONS, ABSTAIN}
        if unknown:
            raise ValueError(f"unknown options {sorted(unknown)} in college {college.code}")
        if college.ballots > college.eligible:
            raise ValueError(f"more ballots than eligible members in college {college.code}")

    eligible = sum(c.eligible for c in colleges)
    present = sum(c.ballots for c in colleges)
    with_members = [c for c in colleges if c.eligible > 0]
    represented = [c for c in with_members if c.ballots > 0]
    quorum = (
        eligible > 0
        and Fraction(present) >= Fraction(quorum_members) * eligible
        and Fraction(len(represented)) >= Fraction(quorum_colleges) * len(colleges)
    )

    weighing = [c for c in colleges if c.expressed > 0]
    total_weight = sum((Fraction(c.weight) for c in weighing), Fraction(0))
    exact: dict[str, Fraction] = dict.fromkeys(OPTIONS, Fraction(0))
    shares: dict[str, dict[str, Decimal]] = {}
    for college in colleges:
        if college.expressed == 0:
            shares[college.code] = {}
            continue
        college_shares = {o: Fraction(college.votes.get(o, 0), college.expressed) for o in OPTIONS}
        shares[college.code] = {o: _percent(s) for o, s in college_shares.items()}
        if total_weight > 0:
            for option, share in college_shares.items():
                exact[option] += Fraction(college.weight) * share / total_weight

    winner = None
    if quorum and total_weight > 0:
        winner = next((option for option in OPTIONS if exact[option] > MAJORITY), None)
    return TallyResult(
        scores={o: _percent(s) for o, s in exact.items()},
        shares=shares,
        eligible=eligible,
        present=present,
        colleges=len(colleges),
        colleges_with_members=len(with_members),
        colleges_represented=len(represented),
        quorum=quorum,
        winner=winner,
    )
