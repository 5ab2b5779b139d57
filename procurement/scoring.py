"""Comprehensive scoring (综合评分法): the arithmetic, free of the database.

Rules (Order 87 Art. 55, DOMAIN.md "Bid evaluation"):

* **Price score** by the low-price benchmark (低价优先法): ``lowest valid price ÷ bid price × price
  weight``. "Valid" means the bids that passed qualification review and are within the budget; the
  caller passes only those.
* A **bid's score** is the mean of the committee members' scores. Members score the non-price
  criteria; the price score is the platform's and the same for every member, so the bid's total is
  ``mean(members' technical totals) + price score``.
* **Ranking**: highest total first; ties go to the lower price, then to the higher technical score.
  Bids still equal after both are flagged ``tied`` so the committee resolves them on the record.

* **Past performance** (履约评价, a criterion of kind ``past_performance``) is the platform's too:
  ``max points × share``, where the share is the mean of the bidder's final performance grades
  published in the three years up to the bid deadline, each counted 优 100 %, 良 80 %, 中 60 %,
  差 0 % (DOMAIN.md "Performance evaluation": later tenders may use the grade as a scoring factor);
  a bidder with no grade in the period gets the tender's neutral share (default 60 %, so having
  no record is neither rewarded nor punished against an average one). It is added to the total
  beside the committee's mean and the price score; ties still go to price, then technical score.

Rounding: every computed score is quantised to 0.01 point with ``ROUND_HALF_UP`` (四舍五入, how score
sheets are rounded by hand), once, at the end of its own computation: the price score from the
exact quotient, the mean from the exact sum. The total is the sum of two quantised numbers and so
exact. Amounts and scores are ``Decimal`` throughout; a float is refused, never converted.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Generic, TypeVar

SCORE_QUANTUM = Decimal("0.01")
K = TypeVar("K", bound=Hashable)


def _decimal(value: Decimal, name: str) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"{name} must be finite")
    return value


def quantise_score(value: Decimal) -> Decimal:
    """Round a score to 0.01 point, half up (0.005 → 0.01)."""
    return _decimal(value, "score").quantize(SCORE_QUANTUM, rounding=ROUND_HALF_UP)


def price_score(*, price: Decimal, lowest_valid_price: Decimal, price_weight: Decimal) -> Decimal:
    """``lowest_valid_price ÷ price × price_weight``, rounded to 0.01 half up.

    The lowest valid price scores the full weight; every other valid price scores less, never below 0.
    """
    price = _decimal(price, "price")
    lowest = _decimal(lowest_valid_price, "lowest_valid_price")
    weight = _decimal(price_weight, "price_weight")
    if lowest <= 0 or price <= 0:
        raise ValueError("prices must be positive")
    if price < lowest:
        raise ValueError("price is below the lowest valid price")
    if weight < 0:
        raise ValueError("price weight must not be negative")
    # Enough precision that the quotient is exact to far below the quantum for any 14-digit amount.
    with localcontext() as ctx:
        ctx.prec = 50
        exact = lowest * weight / price
    return quantise_score(exact)


def price_scores(prices: Mapping[K, Decimal], *, price_weight: Decimal) -> dict[K, Decimal]:
    """The price score of each valid bid, keyed as given. An empty mapping gives an empty result."""
    if not prices:
        return {}
    lowest = min(_decimal(p, "price") for p in prices.values())
    return {
        key: price_score(price=p, lowest_valid_price=lowest, price_weight=price_weight)
        for key, p in prices.items()
    }


#: The share of a criterion's points each performance grade earns, in per cent (优/良/中/差).
GRADE_SHARES: dict[str, Decimal] = {
    "excellent": Decimal(100),
    "good": Decimal(80),
    "fair": Decimal(60),
    "poor": Decimal(0),
}
#: How far back past performance counts, in years up to the tender's bid deadline.
PAST_PERFORMANCE_YEARS = 3
DEFAULT_NEUTRAL_SHARE = Decimal(60)


def past_performance_share(grades: Sequence[str], *, neutral_share: Decimal) -> Decimal:
    """The share (per cent, exact) a bidder earns: the mean of its grades' shares, or the neutral
    share when it has none."""
    neutral = _decimal(neutral_share, "neutral_share")
    if not Decimal(0) <= neutral <= Decimal(100):
        raise ValueError("the neutral share lies between 0 and 100 per cent")
    if not grades:
        return neutral
    try:
        total = sum((GRADE_SHARES[g] for g in grades), Decimal(0))
    except KeyError as exc:
        raise ValueError(f"unknown grade {exc.args[0]!r}") from None
    with localcontext() as ctx:
        ctx.prec = 50
        return total / Decimal(len(grades))


def past_performance_score(*, grades: Sequence[str], max_points: Decimal, neutral_share: Decimal) -> Decimal:
    """``max_points × share ÷ 100`` rounded to 0.01 half up (see the module docstring)."""
    share = past_performance_share(grades, neutral_share=neutral_share)
    with localcontext() as ctx:
        ctx.prec = 50
        exact = _decimal(max_points, "max_points") * share / Decimal(100)
    return quantise_score(exact)


def mean_score(scores: Sequence[Decimal]) -> Decimal:
    """The mean of the members' scores, rounded to 0.01 half up."""
    if not scores:
        raise ValueError("no scores to average")
    total = sum((_decimal(s, "score") for s in scores), Decimal("0"))
    with localcontext() as ctx:
        ctx.prec = 50
        exact = total / Decimal(len(scores))
    return quantise_score(exact)


def member_total(criterion_scores: Iterable[Decimal]) -> Decimal:
    """One member's technical total for one bid: the exact sum of their criterion scores."""
    return sum((_decimal(s, "score") for s in criterion_scores), Decimal("0"))


@dataclass(frozen=True)
class BidScore(Generic[K]):
    """What the ranking needs of one bid."""

    key: K
    price: Decimal
    technical: Decimal  # mean of the members' technical totals
    price_score: Decimal
    performance: Decimal = Decimal(0)  # past-performance points, computed by the platform

    @property
    def total(self) -> Decimal:
        return self.technical + self.price_score + self.performance


@dataclass(frozen=True)
class RankedBid(Generic[K]):
    key: K
    price: Decimal
    technical: Decimal
    price_score: Decimal
    total: Decimal
    rank: int
    tied: bool  # equal total, price and technical score with another bid: the committee decides
    performance: Decimal = Decimal(0)


def compute_bid_scores(
    *,
    prices: Mapping[K, Decimal],
    member_totals: Mapping[K, Sequence[Decimal]],
    price_weight: Decimal,
    performance: Mapping[K, Decimal] | None = None,
) -> list[BidScore[K]]:
    """Combine the members' technical totals, the platform's price score and (when the tender scores
    it) the platform's past-performance points for each valid bid."""
    if set(prices) != set(member_totals):
        raise ValueError("every valid bid needs both a price and the members' scores")
    if performance is not None and set(performance) != set(prices):
        raise ValueError("past performance must be given for every valid bid or none")
    p_scores = price_scores(prices, price_weight=price_weight)
    return [
        BidScore(
            key=k,
            price=prices[k],
            technical=mean_score(member_totals[k]),
            price_score=p_scores[k],
            performance=_decimal(performance[k], "performance") if performance is not None else Decimal(0),
        )
        for k in prices
    ]


def rank_bids(bids: Iterable[BidScore[K]]) -> list[RankedBid[K]]:
    """Order by total (high first), then price (low first), then technical score (high first).

    Bids equal on all three share a rank and are flagged ``tied``; among them the input order is kept
    (Python's sort is stable), so give them in a deterministic order, e.g. by bid id.
    """

    def sort_key(b: BidScore[K]) -> tuple[Decimal, Decimal, Decimal]:
        return (-b.total, b.price, -b.technical)

    ordered = sorted(bids, key=sort_key)
    keys = [sort_key(b) for b in ordered]
    result: list[RankedBid[K]] = []
    for i, b in enumerate(ordered):
        first = keys.index(keys[i])  # the first position with the same key gives the shared rank
        tied = keys.count(keys[i]) > 1
        result.append(
            RankedBid(
                key=b.key,
                price=b.price,
                technical=b.technical,
                price_score=b.price_score,
                total=b.total,
                rank=first + 1,
                tied=tied,
                performance=b.performance,
            )
        )
    return result
