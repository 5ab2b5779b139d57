from decimal import Decimal

import pytest

from evaluation.grades import Grade, grade_for, survey_leaf_score


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("0", Grade.POOR),
        ("59.99", Grade.POOR),
        ("60", Grade.FAIR),
        ("60.00", Grade.FAIR),
        ("79.99", Grade.FAIR),
        ("80", Grade.GOOD),
        ("89.99", Grade.GOOD),
        ("90", Grade.EXCELLENT),
        ("100", Grade.EXCELLENT),
    ],
)
def test_grade_bands_at_their_boundaries(score: str, grade: Grade) -> None:
    assert grade_for(Decimal(score)) == grade


@pytest.mark.parametrize("score", ["-0.01", "100.01", "NaN"])
def test_grade_refuses_scores_outside_0_to_100(score: str) -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        grade_for(Decimal(score))


def test_grade_refuses_floats() -> None:
    with pytest.raises(TypeError):
        grade_for(89.99)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mean", "weight", "score"),
    [
        ("5", "10", "10.00"),
        ("4", "10", "8.00"),
        ("1", "10", "2.00"),
        ("4.25", "15", "12.75"),
        ("3.33", "10", "6.66"),
    ],
)
def test_survey_mean_maps_to_the_leaf_weight(mean: str, weight: str, score: str) -> None:
    assert survey_leaf_score(mean_satisfaction=Decimal(mean), weight=Decimal(weight)) == Decimal(score)


def test_survey_leaf_without_answers_has_no_score() -> None:
    assert survey_leaf_score(mean_satisfaction=None, weight=Decimal(10)) is None
