"""The satisfaction survey: one-time tokens, anonymous answers, and single use under concurrency."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from accounts.exceptions import DomainError
from evaluation import services
from evaluation.models import SurveyResponse, SurveyToken
from evaluation.selectors import survey_summary
from evaluation.services.surveys import token_hash, token_value

ANSWERS = {"attitude": 5, "timeliness": 4, "effect": 4, "overall": 5}


@pytest.fixture
def running(world):
    return world.start(world.commission())


@pytest.mark.django_db
def test_tokens_are_random_numbered_and_not_stored_in_clear(world, running) -> None:
    tokens = services.survey_tokens_generate(evaluation=running, count=3, by=world.evaluator)
    values = [token_value(t) for t in tokens]
    assert len(set(values)) == 3
    assert all(len(v) >= 22 for v in values)
    assert [t.number for t in tokens] == [1, 2, 3]
    for token, value in zip(SurveyToken.objects.order_by("number"), values, strict=True):
        assert token.token_hash == token_hash(value)
        assert value not in (token.nonce, token.token_hash)
    more = services.survey_tokens_generate(evaluation=running, count=2, by=world.evaluator)
    assert [t.number for t in more] == [4, 5]


@pytest.mark.django_db
def test_a_token_takes_one_answer(world, running) -> None:
    (token,) = services.survey_tokens_generate(evaluation=running, count=1, by=world.evaluator)
    value = token_value(token)
    services.survey_answer(token=value, answers=ANSWERS, comment="社工很耐心")
    with pytest.raises(DomainError) as exc:
        services.survey_answer(token=value, answers=ANSWERS)
    assert exc.value.code == "used"
    assert SurveyResponse.objects.count() == 1


@pytest.mark.django_db
def test_unknown_and_invalid_answers_are_refused(world, running) -> None:
    (token,) = services.survey_tokens_generate(evaluation=running, count=1, by=world.evaluator)
    with pytest.raises(DomainError):
        services.survey_answer(token="not-a-token", answers=ANSWERS)
    with pytest.raises(DomainError):
        services.survey_answer(token=token_value(token), answers={**ANSWERS, "overall": 6})
    token.refresh_from_db()
    assert token.used_at is None  # a refused answer does not spend the token


@pytest.mark.django_db
def test_answers_are_anonymous_and_aggregated_with_the_response_rate(world, running) -> None:
    tokens = services.survey_tokens_generate(evaluation=running, count=4, by=world.evaluator)
    services.survey_answer(token=token_value(tokens[0]), answers=ANSWERS, comment="很好")
    services.survey_answer(token=token_value(tokens[2]), answers=dict.fromkeys(ANSWERS, 3))
    field_names = {f.name for f in SurveyResponse._meta.get_fields()}
    assert not field_names & {"token", "token_id", "created_at", "used_at"}
    summary = survey_summary(running, with_comments=True)
    assert (summary.tokens, summary.answered, summary.response_rate) == (4, 2, Decimal("50.00"))
    assert summary.question_means["overall"] == Decimal("4.00")
    assert summary.overall_mean == Decimal("3.75")
    assert summary.comments == ["很好"]


@pytest.mark.django_db
def test_survey_closes_with_submission(world) -> None:
    evaluation = world.start(world.commission())
    world.score_all(evaluation, Decimal("1"))
    tokens = services.survey_tokens_generate(evaluation=evaluation, count=2, by=world.evaluator)
    services.survey_answer(token=token_value(tokens[0]), answers=ANSWERS)
    services.evaluation_submit(evaluation=evaluation, report="报告", by=world.evaluator)
    with pytest.raises(DomainError) as exc:
        services.survey_answer(token=token_value(tokens[1]), answers=ANSWERS)
    assert exc.value.code == "closed"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_answers_with_one_token_record_one(world) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL (DATABASE_URL=postgres://…)")
    evaluation = world.start(world.commission())
    (token,) = services.survey_tokens_generate(evaluation=evaluation, count=1, by=world.evaluator)
    value = token_value(token)
    threads_n = 8
    barrier = threading.Barrier(threads_n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def answer() -> None:
        try:
            barrier.wait()
            services.survey_answer(token=value, answers=ANSWERS)
            result = "ok"
        except DomainError as exc:
            result = exc.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=answer) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok"] + ["used"] * (threads_n - 1)
    assert SurveyResponse.objects.filter(evaluation=evaluation).count() == 1
