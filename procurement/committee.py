"""The evaluation committee draw (评标委员会随机抽取), free of the database.

Rules (政府采购法实施条例 Art. 39, Art. 9; DOMAIN.md "Bid evaluation"):

* The committee has an odd number of members, at least 5, at least 7 when the budget is ¥10 million
  or more or the project is marked complex.
* Experts are at least two thirds of the members; the purchaser sends at most one representative
  (who is designated, not drawn).
* Experts are drawn at random from the pool of experts with the tender's speciality, excluding
  every expert with a conflict: affiliated with a bidder, or a declared relation (employment,
  directorship, control, close kin of the legal representative) with a bidder or its legal
  representative.

Fairness is shown by reproducibility: the candidates are sorted by expert id, the draw is
``random.Random(seed).sample`` over them, and the seed, the sorted candidate ids and the exclusions
with their reasons are recorded. Anyone can re-run :func:`draw_experts` with the recorded values
and get the same committee. A member who declines is replaced by :func:`draw_replacement` with a
fresh recorded seed, drawing from the same candidates minus everyone already drawn.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from random import Random

from django.utils.translation import gettext as _

LARGE_BUDGET = Decimal("10000000")  # ¥10 million
MIN_MEMBERS = 5
MIN_MEMBERS_LARGE = 7


def required_size(*, budget: Decimal, is_complex: bool) -> int:
    """The smallest lawful committee: 5, or 7 for a budget ≥ ¥10 million or a complex project."""
    return MIN_MEMBERS_LARGE if (budget >= LARGE_BUDGET or is_complex) else MIN_MEMBERS


def check_composition(
    *, size: int, budget: Decimal, is_complex: bool, purchaser_representatives: int
) -> list[str]:
    """The reasons a committee of this shape is unlawful (empty when it is fine)."""
    problems: list[str] = []
    minimum = required_size(budget=budget, is_complex=is_complex)
    if size % 2 == 0:
        problems.append(_("The committee must have an odd number of members."))
    if size < minimum:
        problems.append(_("The committee must have at least %(n)s members.") % {"n": minimum})
    if purchaser_representatives > 1:
        problems.append(_("At most one purchaser representative may sit on the committee."))
    if purchaser_representatives < 0 or purchaser_representatives > size:
        problems.append(_("Invalid number of purchaser representatives."))
    experts = size - purchaser_representatives
    if experts * 3 < size * 2:
        problems.append(_("Experts must be at least two thirds of the committee."))
    return problems


def normalise_name(text: str) -> str:
    """Compare names as people write them: full-width/half-width, spaces and case do not matter."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "") if not ch.isspace()).casefold()


@dataclass(frozen=True)
class Bidder:
    organisation_id: int
    name: str
    legal_representative: str = ""


@dataclass(frozen=True)
class Candidate:
    """An expert in the pool as the draw sees them."""

    expert_id: int
    affiliation: str = ""
    related_organisation_ids: frozenset[int] = field(default_factory=frozenset)
    related_person_names: frozenset[str] = field(default_factory=frozenset)


def conflicts(candidate: Candidate, bidders: Iterable[Bidder]) -> list[str]:
    """Why this expert may not evaluate these bidders (empty when there is no conflict)."""
    reasons: list[str] = []
    affiliation = normalise_name(candidate.affiliation)
    persons = {normalise_name(p) for p in candidate.related_person_names if p.strip()}
    for bidder in bidders:
        if affiliation and affiliation == normalise_name(bidder.name):
            reasons.append(f"affiliated with bidder {bidder.organisation_id}")
        if bidder.organisation_id in candidate.related_organisation_ids:
            reasons.append(f"declared relation with bidder {bidder.organisation_id}")
        rep = normalise_name(bidder.legal_representative)
        if rep and rep in persons:
            reasons.append(
                f"declared relation with the legal representative of bidder {bidder.organisation_id}"
            )
    return reasons


@dataclass(frozen=True)
class DrawResult:
    seed: int
    candidate_ids: tuple[int, ...]  # eligible experts, sorted: what the seed was applied to
    excluded: dict[int, list[str]]  # expert id → reasons
    drawn_ids: tuple[int, ...]  # in draw order


class NotEnoughExperts(Exception):
    def __init__(self, needed: int, available: int) -> None:
        super().__init__(f"{needed} experts needed, {available} eligible")
        self.needed = needed
        self.available = available


def new_seed() -> int:
    """A fresh, unpredictable 63-bit seed (recorded with the draw)."""
    return secrets.randbits(63)


def eligible_candidates(
    candidates: Iterable[Candidate], bidders: Sequence[Bidder]
) -> tuple[tuple[int, ...], dict[int, list[str]]]:
    """Split the pool into eligible expert ids (sorted) and excluded ones with reasons."""
    eligible: list[int] = []
    excluded: dict[int, list[str]] = {}
    for c in sorted(candidates, key=lambda c: c.expert_id):
        reasons = conflicts(c, bidders)
        if reasons:
            excluded[c.expert_id] = reasons
        else:
            eligible.append(c.expert_id)
    return tuple(eligible), excluded


def draw_from(candidate_ids: Sequence[int], *, count: int, seed: int) -> tuple[int, ...]:
    """The reproducible core: ``count`` ids sampled from the sorted ids with ``Random(seed)``."""
    ordered = sorted(set(candidate_ids))
    if count > len(ordered):
        raise NotEnoughExperts(count, len(ordered))
    return tuple(Random(seed).sample(ordered, count))  # noqa: S311 - fairness needs reproducibility, not secrecy


def draw_experts(
    *,
    candidates: Iterable[Candidate],
    bidders: Sequence[Bidder],
    count: int,
    seed: int,
    exclude_ids: Iterable[int] = (),
) -> DrawResult:
    """Draw ``count`` experts with no conflict; ``exclude_ids`` (already drawn, declined) are not candidates."""
    eligible, excluded = eligible_candidates(candidates, bidders)
    skip = set(exclude_ids)
    pool = tuple(i for i in eligible if i not in skip)
    drawn = draw_from(pool, count=count, seed=seed)
    return DrawResult(seed=seed, candidate_ids=pool, excluded=excluded, drawn_ids=drawn)


def draw_replacement(
    *, candidates: Iterable[Candidate], bidders: Sequence[Bidder], already_drawn: Iterable[int], seed: int
) -> DrawResult:
    """Replace a member who declined: one expert from the eligible pool minus everyone drawn before."""
    return draw_experts(candidates=candidates, bidders=bidders, count=1, seed=seed, exclude_ids=already_drawn)
