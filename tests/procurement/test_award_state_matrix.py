"""Status × transition matrices for the machines of evaluation, award, challenge and contract.

Each cell builds an instance in the status (the protected field may be set at construction) and
calls the transition: allowed cells must reach their target, every other cell must raise
``TransitionNotAllowed``. Conditions are satisfied in the instance so that the table tests sources.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from procurement.models import (
    Award,
    AwardStatus,
    Challenge,
    ChallengeStatus,
    Committee,
    CommitteeMember,
    CommitteeStatus,
    Complaint,
    ComplaintStatus,
    Contract,
    ContractStatus,
    Instalment,
    InstalmentStatus,
    MemberStatus,
    Milestone,
    MilestoneStatus,
    ProgressReport,
    ProgressReportStatus,
    Tender,
    TenderStatus,
)

T = TenderStatus
ANSWER = {"by": None, "reply": "答复", "complaint_until": dt.date(2026, 12, 31)}

# machine name → (factory(status), {transition: (sources, target, kwargs)}, all statuses)
MACHINES: dict[
    str, tuple[Callable[[str], Any], dict[str, tuple[set[str], str, dict[str, Any]]], list[str]]
] = {
    "tender": (
        lambda s: Tender(status=s),
        {
            "start_evaluation": ({T.QUALIFICATION_REVIEWED}, T.UNDER_EVALUATION, {}),
            "complete_evaluation": ({T.UNDER_EVALUATION}, T.EVALUATED, {}),
            "award": ({T.EVALUATED}, T.AWARDED, {}),
            "reopen_evaluation": ({T.EVALUATED, T.AWARDED}, T.UNDER_EVALUATION, {}),
            "fail_after_evaluation": (
                {T.UNDER_EVALUATION, T.EVALUATED, T.AWARDED},
                T.FAILED,
                {"reason": "废标"},
            ),
            "sign_contract": ({T.AWARDED}, T.CONTRACTED, {}),
            # Cancellation is possible in every state before the contract, including the new ones.
            "cancel": (
                {
                    T.DRAFT,
                    T.PUBLISHED,
                    T.BIDDING_CLOSED,
                    T.OPENED,
                    T.QUALIFICATION_REVIEWED,
                    T.UNDER_EVALUATION,
                    T.EVALUATED,
                    T.AWARDED,
                },
                T.CANCELLED,
                {"reason": "预算调整"},
            ),
        },
        list(T.values),
    ),
    "committee": (
        lambda s: Committee(status=s),
        {
            "start_scoring": ({CommitteeStatus.FORMING}, CommitteeStatus.SCORING, {}),
            "close_with_report": ({CommitteeStatus.SCORING}, CommitteeStatus.REPORTED, {}),
            "supersede": (
                {CommitteeStatus.FORMING, CommitteeStatus.SCORING, CommitteeStatus.REPORTED},
                CommitteeStatus.SUPERSEDED,
                {},
            ),
        },
        list(CommitteeStatus.values),
    ),
    "member": (
        lambda s: CommitteeMember(status=s),
        {
            "declare_no_conflict": ({MemberStatus.INVITED}, MemberStatus.DECLARED, {}),
            "decline": ({MemberStatus.INVITED}, MemberStatus.DECLINED, {"reason": "回避"}),
            "submit_scores": ({MemberStatus.DECLARED}, MemberStatus.SUBMITTED, {}),
        },
        list(MemberStatus.values),
    ),
    "award": (
        lambda s: Award(status=s),
        {
            "announce": (
                {AwardStatus.CONFIRMED},
                AwardStatus.ANNOUNCED,
                {"by": None, "content": {}, "challenge_until": None, "signing_due": None},
            ),
            "mark_contracted": ({AwardStatus.ANNOUNCED}, AwardStatus.CONTRACTED, {}),
            "rescind": (
                {AwardStatus.CONFIRMED, AwardStatus.ANNOUNCED},
                AwardStatus.RESCINDED,
                {"reason": "质疑成立"},
            ),
        },
        list(AwardStatus.values),
    ),
    "challenge": (
        lambda s: Challenge(status=s),
        {
            "dismiss": ({ChallengeStatus.PENDING}, ChallengeStatus.DISMISSED, ANSWER),
            "uphold_with_reevaluation": (
                {ChallengeStatus.PENDING},
                ChallengeStatus.UPHELD_REEVALUATION,
                ANSWER,
            ),
            "uphold_with_new_award": ({ChallengeStatus.PENDING}, ChallengeStatus.UPHELD_NEW_AWARD, ANSWER),
            "uphold_with_failure": ({ChallengeStatus.PENDING}, ChallengeStatus.UPHELD_FAILED, ANSWER),
        },
        list(ChallengeStatus.values),
    ),
    "complaint": (
        lambda s: Complaint(status=s),
        {
            "decide": (
                {ComplaintStatus.FILED},
                ComplaintStatus.DECIDED,
                {"outcome": "rejected", "decision": "驳回"},
            )
        },
        list(ComplaintStatus.values),
    ),
    "contract": (
        lambda s: Contract(status=s, purchaser_signed_at=timezone.now(), supplier_signed_at=timezone.now()),
        {
            "complete_signing": ({ContractStatus.DRAFT}, ContractStatus.SIGNED, {}),
            "publish": ({ContractStatus.SIGNED}, ContractStatus.PUBLISHED, {}),
            "terminate": (
                {ContractStatus.SIGNED, ContractStatus.PUBLISHED},
                ContractStatus.TERMINATED,
                {"reason": "承接方严重违约"},
            ),
            "void": ({ContractStatus.DRAFT}, ContractStatus.VOIDED, {"reason": "中标结果被撤销"}),
        },
        list(ContractStatus.values),
    ),
    "milestone": (
        lambda s: Milestone(status=s),
        {
            "submit_report": (
                {MilestoneStatus.PENDING, MilestoneStatus.RETURNED},
                MilestoneStatus.SUBMITTED,
                {},
            ),
            "accept": ({MilestoneStatus.SUBMITTED}, MilestoneStatus.ACCEPTED, {}),
            "return_report": ({MilestoneStatus.SUBMITTED}, MilestoneStatus.RETURNED, {}),
        },
        list(MilestoneStatus.values),
    ),
    "instalment": (
        # amount 0 so that "fully paid" holds for the unsaved instance (nothing to pay)
        lambda s: Instalment(status=s, amount=0),
        {
            "make_due": ({InstalmentStatus.SCHEDULED}, InstalmentStatus.DUE, {}),
            "hold": ({InstalmentStatus.SCHEDULED}, InstalmentStatus.HELD, {}),
            "release": (
                {InstalmentStatus.SCHEDULED, InstalmentStatus.HELD},
                InstalmentStatus.DUE,
                {"reason": "优"},
            ),
            "withhold": (
                {InstalmentStatus.SCHEDULED, InstalmentStatus.HELD},
                InstalmentStatus.WITHHELD,
                {"reason": "差"},
            ),
            "mark_paid": ({InstalmentStatus.DUE}, InstalmentStatus.PAID, {}),
        },
        list(InstalmentStatus.values),
    ),
    "progress_report": (
        lambda s: ProgressReport(status=s),
        {
            "accept": (
                {ProgressReportStatus.SUBMITTED},
                ProgressReportStatus.ACCEPTED,
                {"by": None, "comment": ""},
            ),
            "return_": (
                {ProgressReportStatus.SUBMITTED},
                ProgressReportStatus.RETURNED,
                {"by": None, "comment": "补充"},
            ),
        },
        list(ProgressReportStatus.values),
    ),
}

CELLS = [
    pytest.param(machine, status, name, id=f"{machine}-{status}-{name}")
    for machine, (_make, transitions, statuses) in MACHINES.items()
    for status in statuses
    for name in transitions
]


@pytest.mark.parametrize(("machine", "status", "name"), CELLS)
def test_status_transition_matrix(machine: str, status: str, name: str) -> None:
    make, transitions, _statuses = MACHINES[machine]
    sources, target, kwargs = transitions[name]
    obj = make(status)
    method = getattr(obj, name)
    if status in sources:
        method(**kwargs)
        assert obj.status == target
    else:
        with pytest.raises(TransitionNotAllowed):
            method(**kwargs)
        assert obj.status == status


def test_contract_cannot_complete_signing_with_one_signature() -> None:
    contract = Contract(status=ContractStatus.DRAFT, purchaser_signed_at=timezone.now())
    with pytest.raises(TransitionNotAllowed):
        contract.complete_signing()


def test_protected_status_cannot_be_assigned() -> None:
    award = Award(status=AwardStatus.CONFIRMED)
    with pytest.raises(AttributeError):
        award.status = AwardStatus.CONTRACTED
