"""Demo evaluation, award, challenge and contract states (idempotent), through the real services:

* 评标中 under evaluation: committee drawn, every member declared, some scores in;
* 公示期 awarded and announced, in the challenge period;
* 质疑中 challenged: announced, a losing bidder's challenge pending (signing suspended);
* 投诉 a dismissed challenge followed by a complaint to the finance department (decision pending);
* 重新评审 a challenge upheld with re-evaluation: award rescinded, the committee reconvened;
* 履约中 contracted: signed by both sides and published, first milestone accepted and paid, the
  second milestone's progress report awaiting review, the final instalment held for the evaluation.

Each tender is brought to qualification review with the bid side's demo helpers, then on from there.
An expert pool (``expert@example.org`` and quiet pool experts) with the 养老 speciality is ensured.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.demo_support import DemoContext
from accounts.models import ExpertProfile, Role, User
from procurement.models import (
    Award,
    Bid,
    Challenge,
    ChallengeStatus,
    Committee,
    Contract,
    ExpertSpeciality,
    Instalment,
    MemberStatus,
    Tender,
    TenderStatus,
)
from procurement.services.awards import award_announce, award_confirm, live_award
from procurement.services.challenges import challenge_file, challenge_reply, complaint_record
from procurement.services.committee import committee_form, current_committee, member_declare
from procurement.services.contracts import (
    MilestoneSpec,
    contract_draft,
    contract_publish,
    contract_sign,
    payment_record,
    progress_report_review,
    progress_report_submit,
)
from procurement.services.scoring import report_submit, score_record, scores_submit
from vendors.models import ServiceCategory

POOL = [
    ("五邑大学政法学院", "社会工作", "何"),
    ("江门职业技术学院", "老年服务与管理", "冯"),
    ("江门市中心医院", "康复医学", "邓"),
    ("广东省社会工作师联合会", "社会工作", "许"),
    ("江门市审计事务所", "财务管理", "曾"),
    ("暨南大学公共管理学院", "公共管理", "彭"),
    ("江门市老年大学", "老年教育", "苏"),
    ("江门市律师协会", "法律", "卢"),
    ("新会区人民医院", "护理", "蒋"),
]


def _expert_pool(ctx: DemoContext, category: ServiceCategory) -> None:
    experts = []
    main = ctx.shared.get("expert")
    if main is not None:
        experts.append(
            ExpertProfile.objects.get_or_create(user=main, defaults={"affiliation": "五邑大学政法学院"})[0]
        )
    for i, (affiliation, title, surname) in enumerate(POOL, start=1):
        email = f"pool-expert{i}@example.org"
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email, ctx.password, role=Role.EXPERT, full_name=f"{surname}专家"
        )
        profile, _ = ExpertProfile.objects.get_or_create(
            user=user, defaults={"affiliation": affiliation, "title": title}
        )
        experts.append(profile)
    for profile in experts:
        ExpertSpeciality.objects.get_or_create(expert=profile, category=category)


def _reviewed(ctx: DemoContext, key: str, title: str) -> Tender | None:
    """A tender brought to qualification review with the bid side's helpers (None if they are missing)."""
    try:
        from procurement.demo_bids import _bid, _bidders, _to_the_past
    except ImportError:  # the bid side's demo is not there: nothing to build on
        return None
    from procurement.demo import demo_tender
    from procurement.services.bids import tender_close_bidding
    from procurement.services.opening import tender_open
    from procurement.services.qualification import bid_qualify, tender_complete_qualification

    purchaser = ctx.shared["purchaser"]
    tender = demo_tender(ctx, key=key, title=title, category_code="YL", budget="960000.00")
    if tender.status != TenderStatus.PUBLISHED:
        return tender  # seeded before
    for i, (user, org) in enumerate(_bidders(ctx, tender)[:4]):
        _bid(tender, user, org, f"{930000 - 21000 * i}.00")
    tender = _to_the_past(tender)
    tender_close_bidding(tender=tender)
    tender_open(tender=Tender.objects.get(pk=tender.pk), by=purchaser)
    for bid in Bid.objects.filter(tender=tender, status="opened"):
        bid_qualify(bid=bid, by=purchaser, reason="符合资格条件。")
    return tender_complete_qualification(tender=Tender.objects.get(pk=tender.pk), by=purchaser)


def _seed_with_main_expert(ctx: DemoContext, tender: Tender, seed: int) -> int:
    """The first seed from ``seed`` whose draw seats the demo expert, so that account has a seat
    (the draw stays the real one: the seed is recorded and re-running it gives this committee)."""
    from procurement import committee as draw
    from procurement.services.committee import expert_candidates, tender_bidders

    main = ctx.shared.get("expert")
    profile = ExpertProfile.objects.filter(user=main).first() if main is not None else None
    if profile is None:
        return seed
    candidates, bidders = expert_candidates(tender), tender_bidders(tender)
    size = draw.required_size(budget=tender.budget, is_complex=False)
    for candidate in range(seed, seed + 200):
        try:
            result = draw.draw_experts(candidates=candidates, bidders=bidders, count=size, seed=candidate)
        except draw.NotEnoughExperts:
            return seed
        if profile.pk in result.drawn_ids:
            return candidate
    return seed


def _committee(ctx: DemoContext, tender: Tender, seed: int) -> Committee:
    committee = current_committee(tender)
    if committee is None:
        seed = _seed_with_main_expert(ctx, tender, seed)
        committee = committee_form(tender=tender, by=ctx.shared["purchaser"], seed=seed)
    for member in committee.members.filter(status=MemberStatus.INVITED):
        member_declare(
            member=member, by=member.user, has_conflict=False, statement="本人与各投标人无利害关系。"
        )
    return Committee.objects.get(pk=committee.pk)


POINTS = [("26", "17", "8", "8"), ("24", "18", "9", "7"), ("27", "15", "7", "9"), ("22", "16", "8", "8")]


def _score(committee: Committee, *, members: int | None = None) -> None:
    tender = committee.tender
    bids = list(Bid.objects.filter(tender=tender, status="qualified").order_by("id"))
    criteria = list(tender.criteria.order_by("order", "id"))
    seats = list(committee.members.filter(status=MemberStatus.DECLARED).order_by("id"))
    if members is not None:  # partly scored: leave the demo expert's own seat to score by hand
        seats = [s for s in seats if s.user.email != "expert@example.org"]
    for n, member in enumerate(seats[:members] if members is not None else seats):
        for b, bid in enumerate(bids):
            pts = POINTS[(b + n) % len(POINTS)]
            for c, criterion in enumerate(criteria):
                points = min(Decimal(pts[c % len(pts)]), criterion.max_points)
                score_record(
                    member=member,
                    by=member.user,
                    bid=bid,
                    criterion=criterion,
                    points=points,
                    comment="依评分细则评定",
                )
        scores_submit(member=member, by=member.user)


def _announced(ctx: DemoContext, key: str, title: str, seed: int) -> Award | None:
    tender = _reviewed(ctx, key, title)
    if tender is None:
        return None
    award = live_award(tender)
    if award is not None:
        return award
    if tender.status == TenderStatus.QUALIFICATION_REVIEWED:
        committee = _committee(ctx, tender, seed)
        _score(committee)
        leader = committee.members.get(is_leader=True)
        report_submit(
            committee=committee,
            by=leader.user,
            summary="评标委员会按综合评分法评审，推荐排名第一的投标人为中标候选人。",
        )
        tender = Tender.objects.get(pk=tender.pk)
    purchaser = ctx.shared["purchaser"]
    report = tender.evaluation_reports.order_by("-submitted_at").first()
    if report is None:
        return None
    first = Bid.objects.get(pk=report.ranking[0]["bid"])
    award = award_confirm(tender=tender, bid=first, by=purchaser)
    return award_announce(award=award, by=purchaser)


def _loser_challenges(award: Award, grounds: str) -> Challenge | None:
    """The second-ranked bidder's staff challenge the announced award."""
    loser = next(r for r in award.report.ranking if r["bid"] != award.bid_id)
    bid = Bid.objects.select_related("organisation").get(pk=loser["bid"])
    staff = bid.organisation.memberships.filter(status="approved").first()
    if staff is None:
        return None
    return challenge_file(award=award, organisation=bid.organisation, by=staff.user, grounds=grounds)


def seed_contracts(ctx: DemoContext) -> None:
    category = ServiceCategory.objects.get(code="YL")
    _expert_pool(ctx, category)
    purchaser = ctx.shared["purchaser"]

    # 评标中: the committee is scoring; two members have submitted.
    tender = _reviewed(ctx, "under_evaluation", "蓬江区社区长者服务站运营项目")
    if tender is not None and tender.status == TenderStatus.QUALIFICATION_REVIEWED:
        _score(_committee(ctx, tender, seed=20261101), members=2)

    # 公示期: awarded and announced.
    _announced(ctx, "awarded", "江海区困境儿童关爱服务项目", seed=20261102)

    # 质疑中: a losing bidder's challenge is pending.
    award = _announced(ctx, "challenged", "新会区长者日间照料中心运营项目", seed=20261103)
    if award is not None and not Challenge.objects.filter(award=award).exists():
        loser = next(r for r in award.report.ranking if r["bid"] != award.bid_id)
        bid = Bid.objects.select_related("organisation").get(pk=loser["bid"])
        staff = bid.organisation.memberships.filter(status="approved").first()
        if staff is not None:
            challenge_file(
                award=award,
                organisation=bid.organisation,
                by=staff.user,
                grounds="中标人的服务团队中持证社工人数与投标文件不符，请求复核评分。",
            )

    # 投诉: a challenge dismissed; the challenger's complaint to the finance department recorded,
    # its decision pending (the challenge and complaint pages show both).
    award = _announced(ctx, "complaint", "鹤山市残疾人居家托养服务项目", seed=20261105)
    if award is not None and not Challenge.objects.filter(award=award).exists():
        challenge = _loser_challenges(award, "评分细则中“服务方案”一项的评分理由与投标文件内容不符。")
        if challenge is not None:
            challenge_reply(
                challenge=challenge,
                by=purchaser,
                outcome=ChallengeStatus.DISMISSED,
                reply="经核查，评标委员会依评分细则评分，评分理由完整，质疑事项不成立。",
            )
            complaint_record(
                challenge=challenge,
                by=challenge.filed_by,
                authority="江门市财政局",
                grounds="对质疑答复不满意，请求财政部门复核评分。",
            )

    # 重新评审: a challenge upheld with re-evaluation: the award rescinded, the committee reconvened
    # (its members are invited to declare again and score anew).
    if not Challenge.objects.filter(status=ChallengeStatus.UPHELD_REEVALUATION).exists():
        award = _announced(ctx, "reevaluation", "台山市农村留守儿童关爱服务项目", seed=20261106)
        if award is not None and not Challenge.objects.filter(award=award).exists():
            challenge = _loser_challenges(award, "评标委员会未按招标文件规定的评分标准评定价格分。")
            if challenge is not None:
                challenge_reply(
                    challenge=challenge,
                    by=purchaser,
                    outcome=ChallengeStatus.UPHELD_REEVALUATION,
                    reply="质疑成立：价格分计算有误，原评标委员会重新评审。",
                )

    # 履约中: contracted, published, first milestone paid, second awaiting review.
    award = _announced(ctx, "contracted", "江门市居家养老服务信息平台运营项目", seed=20261104)
    if award is not None and not Contract.objects.filter(award=award).exists():
        today = timezone.localdate()
        contract = contract_draft(
            award=award,
            by=purchaser,
            term_start=today - timedelta(days=60),
            term_end=today + timedelta(days=300),
            service_content="为全市居家长者提供助餐、助洁、助医、紧急呼援等服务，建立服务对象档案，按季度报送服务数据。",
            milestones=[
                MilestoneSpec(
                    "项目启动", "服务方案、人员配置与服务对象台账", today - timedelta(days=30), Decimal("30")
                ),
                MilestoneSpec(
                    "中期服务", "中期服务报告、满意度调查", today + timedelta(days=120), Decimal("40")
                ),
                MilestoneSpec(
                    "结项", "结项报告，接受第三方绩效评价", today + timedelta(days=290), Decimal("30")
                ),
            ],
        )
        supplier = award.bid.organisation.memberships.filter(status="approved").first()
        version = contract.current_version
        assert version is not None  # drafted with version 1
        sha = version.sha256
        contract_sign(contract=contract, by=purchaser, confirmed_sha256=sha)
        if supplier is not None:
            contract = contract_sign(contract=contract, by=supplier.user, confirmed_sha256=sha)
            contract_publish(contract=contract, by=purchaser)
            first, second, _last = list(contract.milestones.order_by("order"))
            report = progress_report_submit(
                milestone=first,
                by=supplier.user,
                text="服务团队 12 人到岗，其中持证社工 5 人；建档长者 620 人。",
            )
            progress_report_review(report=report, by=purchaser, accept=True, comment="材料齐全，予以验收。")
            instalment = Instalment.objects.get(milestone=first)
            payment_record(
                instalment=instalment,
                by=purchaser,
                amount=instalment.amount,
                paid_on=today,
                reference="JMMZ-PAY-0001",
            )
            progress_report_submit(
                milestone=second, by=supplier.user, text="中期：累计服务 8,400 人次，满意度调查回收 312 份。"
            )
    ctx.log(
        f"{Committee.objects.count()} evaluation committees, {Award.objects.count()} awards, "
        f"{Challenge.objects.count()} challenges, {Contract.objects.count()} contracts"
    )
