"""One project's whole life, across roles, in a real browser (issue 9).

The directory administrator publishes a directory version; a purchaser drafts a tender, sees the
compliance check refuse it, fixes and publishes it; two agencies bid and a third, outside the
directory, is refused with the reason; bidding closes; the purchaser opens and reviews; the committee
scores; the award is announced; a loser challenges and is answered; both sides sign the contract; a
milestone is reported and paid; an evaluator scores, a service recipient answers the survey on a
phone-sized window, the grade is published and the final payment released; an anonymous visitor
finds the results, downloads a PDF and verifies it.

Only the passing of time is done by the test (moving a deadline into the past, as the clock would);
every other step is a person using the pages.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from evaluation.models import Evaluation
from evaluation.tasks import finalise_due_evaluations
from procurement.models import Bid, ExpertSpeciality, Tender
from tests.browser.conftest import Journey, verified, with_totp
from tests.evaluation.factories import standard_template
from tests.factories import (
    DepartmentFactory,
    EvaluatorOrganisationFactory,
    ExpertProfileFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.procurement.bidding import PDF, pass_deadline
from vendors.models import DirectoryVersion, ServiceCategory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "蓬江区居家养老上门服务项目"
PRICES = {"A": "1150000.00", "B": "1080000.00"}


def local(days: int, hour: int = 9) -> str:
    """A datetime-local value ``days`` from now in Asia/Shanghai."""
    when = timezone.localtime() + dt.timedelta(days=days)
    return when.replace(hour=hour, minute=30).strftime("%Y-%m-%dT%H:%M")


class World:
    def __init__(self) -> None:
        self.category = ServiceCategory.objects.filter(code="YL").first() or ServiceCategory.objects.create(
            code="YL", name="养老服务"
        )
        standard_template()
        self.department = DepartmentFactory(code="JMMZ", name="江门市民政局")
        self.purchaser = verified(
            UserFactory(role=Role.PURCHASER, department=self.department, full_name="陈采购")
        )
        self.directory_admin = with_totp(
            verified(UserFactory(role=Role.DIRECTORY_ADMIN, department=self.department, full_name="林目录")),
            "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        )
        self.orgs = {}
        self.staff = {}
        for key, name in (
            ("A", "江门市颐康社会工作服务中心"),
            ("B", "江门市仁爱长者服务中心"),
            ("C", "江门市新苗社工事务所"),
        ):
            membership = MembershipFactory(organisation=OrganisationFactory(name=name), is_admin=True)
            self.orgs[key] = membership.organisation
            self.staff[key] = verified(membership.user)
        self.experts = []
        for i in range(7):
            profile = ExpertProfileFactory(affiliation=f"五邑大学社会工作系{i}")
            self.experts.append(with_totp(verified(profile.user), _secret(i)))
            ExpertSpeciality.objects.get_or_create(expert=profile, category=self.category)
        self.evaluator = with_totp(
            verified(
                UserFactory(
                    role=Role.EVALUATOR,
                    evaluator_organisation=EvaluatorOrganisationFactory(name="广东省社会工作评估中心"),
                )
            ),
            _secret(9),
        )


def _secret(i: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return "".join(alphabet[(i * 7 + k * 3) % 32] for k in range(32))


def fresh(obj: Any) -> Any:
    """The row as it is now (FSM-protected fields cannot be refreshed in place)."""
    return type(obj).objects.get(pk=obj.pk)


def nav(page: Page, target: Any) -> None:
    """Click and wait for the page that answers (a form post, a link)."""
    with page.expect_navigation():
        target.click()


def test_a_project_from_directory_to_verified_pdf(journey: Journey) -> None:
    w = World()

    # 1. The directory administrator publishes a directory version listing agencies A and B.
    admin = journey.login(w.directory_admin)
    admin.goto(journey.url("/directory/admin/"))
    nav(admin, admin.locator("form[action$='/directory/admin/start/'] [type=submit]"))
    for key in ("A", "B"):
        admin.goto(journey.url("/directory/admin/entries/add/"))
        admin.fill("input[name=credit_code]", w.orgs[key].credit_code)
        admin.check(f"input[name=categories][value='{w.category.pk}']")
        admin.select_option("select[name=rating]", "4A")
        admin.fill("input[name=valid_from]", "2024-01-01")
        admin.fill("input[name=valid_to]", "2029-12-31")
        nav(admin, admin.locator("main form [type=submit]").last)
        expect(admin.get_by_text(w.orgs[key].name).first).to_be_visible()
    journey.shot(admin, "directory draft with two agencies")
    nav(admin, admin.locator("a[href$='/publish/']"))
    admin.check("input[name=confirm]")
    nav(admin, admin.locator("main form [type=submit]").last)
    assert DirectoryVersion.objects.filter(status="published").count() == 1
    journey.shot(admin, "directory version published")

    # 2. The purchaser drafts a tender (competitive consultation, 竞争性磋商: two bids may go on,
    #    Caiku [2015] 124); the compliance check refuses a discriminatory condition first.
    buyer = journey.login(w.purchaser)
    buyer.goto(journey.url("/procurement/tenders/new/"))
    buyer.fill("input[name=title]", TITLE)
    buyer.fill("textarea[name=description]", "为蓬江区 300 名居家老人提供助餐、助洁、助浴等上门服务。")
    buyer.select_option("select[name=category]", str(w.category.pk))
    buyer.select_option("select[name=method]", "competitive_consultation")
    buyer.fill("input[name=budget]", "1200000.00")
    buyer.fill("textarea[name=qualification_conditions]", "注册资本不低于 500 万元")
    buyer.fill("input[name=price_weight]", "30")
    buyer.fill("input[name=contract_term_months]", "12")
    buyer.fill("input[name=documents_available_until]", local(25))
    buyer.fill("input[name=clarification_deadline]", local(8))
    buyer.fill("input[name=bid_deadline]", local(25))
    buyer.fill("input[name=opening_at]", local(25))
    buyer.fill("input[name='criteria-0-name']", "服务方案")
    buyer.fill("input[name='criteria-0-max_points']", "40")
    buyer.fill("input[name='criteria-1-name']", "人员配备")
    buyer.fill("input[name='criteria-1-max_points']", "30")
    nav(buyer, buyer.locator("button[name=publish]"))
    expect(buyer.locator("main")).to_contain_text("注册资本")
    journey.shot(buyer, "compliance check refuses the draft")
    tender = Tender.objects.get(title=TITLE)
    assert tender.status == "draft"

    buyer.fill("textarea[name=qualification_conditions]", "具有相应的养老服务专业人员。")
    nav(buyer, buyer.locator("button[name=save]"))
    journey.shot(buyer, "draft saved")
    assert tender.criteria.count() == 2, buyer.locator("main").inner_text()[:800]
    buyer.goto(journey.url(f"/procurement/tenders/{tender.pk}/"))
    upload = buyer.locator("form[action$='/documents/upload/']")
    upload.locator("input[type=file]").set_input_files(
        files=[{"name": "招标文件.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    nav(buyer, upload.locator("[type=submit]"))
    buyer.goto(journey.url(f"/procurement/tenders/{tender.pk}/edit/"))
    nav(buyer, buyer.locator("button[name=publish]"))
    tender = fresh(tender)
    journey.shot(buyer, "publish attempt")
    assert tender.status == "published", buyer.locator("main").inner_text()[:1500]
    journey.shot(buyer, "tender published")

    # 3. Agencies A and B bid; C, outside the directory, is refused with the reason.
    def bid(key: str, price: str) -> Page:
        agency = journey.login(w.staff[key])
        agency.goto(journey.url(f"/procurement/tenders/{tender.pk}/bid/"))
        nav(agency, agency.locator("main form [type=submit]").last)
        agency.set_input_files(
            "input[type=file]",
            files=[{"name": "投标文件.pdf", "mimeType": "application/pdf", "buffer": PDF + key.encode()}],
        )
        nav(agency, agency.locator("form[action*='/documents/'] [type=submit]"))
        agency.fill("input[name=price]", price)
        agency.check("input[name=confirm]")
        nav(agency, agency.locator("form[action$='/submit/'] [type=submit]"))
        return agency

    for key in ("A", "B"):
        agency = bid(key, PRICES[key])
        expect(agency.locator("main")).to_contain_text(re.compile("[0-9a-f]{64}"))
        journey.shot(agency, f"agency {key} sealed bid receipt")
    outsider = bid("C", "990000.00")
    expect(outsider.locator("main")).to_contain_text(re.compile(r"未列入第 \d+ 批目录"))
    journey.shot(outsider, "agency outside the directory refused")
    assert Bid.objects.filter(tender=tender, status="submitted").count() == 2
    assert not Bid.objects.filter(tender=tender, organisation=w.orgs["C"], status="submitted").exists()

    # The purchaser sees no price before the deadline.
    buyer.goto(journey.url(f"/procurement/tenders/{tender.pk}/"))
    body = buyer.locator("body").inner_text()
    assert "1,150,000" not in body
    assert "1150000" not in body

    # 4. Bidding closes (the clock passes the deadline); the purchaser opens and reviews.
    pass_deadline(tender)
    buyer.goto(journey.url(f"/procurement/tenders/{tender.pk}/opening/"))
    nav(buyer, buyer.locator("main form [type=submit]").last)
    journey.shot(buyer, "bids opened")
    expect(buyer.locator("main")).to_contain_text(re.compile(r"1,?150,?000\.00"))
    buyer.goto(journey.url(f"/procurement/tenders/{tender.pk}/qualification/"))
    for bid in Bid.objects.filter(tender=tender).order_by("pk"):
        form = buyer.locator(f"form:has(input[name=bid][value='{bid.pk}'])")
        if form.count():
            nav(buyer, form.locator("button[value=qualify]"))
    journey.shot(buyer, "qualification review")
    nav(buyer, buyer.locator("button[value=complete]"))
    tender = fresh(tender)
    assert tender.status == "qualification_reviewed", tender.status

    # 5. The committee is drawn at random; each member declares no conflict and scores every bid.
    buyer.goto(journey.url(f"/procurement/tenders/{tender.pk}/evaluation/"))
    buyer.fill("input[name=size]", "5")
    nav(buyer, buyer.locator("button[value=form]"))
    journey.shot(buyer, "committee drawn")
    committee = tender.committees.get()
    members = list(committee.members.select_related("user").order_by("-is_leader", "pk"))
    assert len(members) == 5
    bids = {b.organisation_id: b for b in Bid.objects.filter(tender=tender)}
    points = {w.orgs["A"].pk: ("36", "27"), w.orgs["B"].pk: ("30", "24")}
    experts = {e.pk: e for e in w.experts}
    for member in members:  # bids are shown only once the whole committee has declared
        expert = journey.login(experts[member.user_id])
        expert.goto(journey.url(f"/procurement/committee-seats/{member.pk}/"))
        expert.fill("textarea[name=statement]", "本人与各投标人无利害关系。")
        nav(expert, expert.locator("button[value=declare]"))
    for n, member in enumerate(members):
        expert = journey.login(experts[member.user_id])
        expert.goto(journey.url(f"/procurement/committee-seats/{member.pk}/"))
        criteria = list(tender.criteria.order_by("pk"))
        for org_pk, (p1, p2) in points.items():
            bid = bids[org_pk]
            expert.fill(f"input[name=p_{bid.pk}_{criteria[0].pk}]", p1)
            expert.fill(f"input[name=p_{bid.pk}_{criteria[1].pk}]", p2)
            expert.fill(f"textarea[name=c_{bid.pk}_{criteria[0].pk}]", "方案完整，措施具体。")
            expert.fill(f"textarea[name=c_{bid.pk}_{criteria[1].pk}]", "人员资质符合要求。")
        if n == 0:
            journey.shot(expert, "committee member scores")
        expert.once("dialog", lambda d: d.accept())
        nav(expert, expert.locator("button[value=submit]"))
    leader = journey.pages[members[0].user.email]
    leader.goto(journey.url(f"/procurement/committee-seats/{members[0].pk}/"))
    leader.fill("textarea[name=summary]", "经评审，推荐江门市颐康社会工作服务中心为第一中标候选人。")
    nav(leader, leader.locator("button[value=report]"))
    journey.shot(leader, "evaluation report submitted")

    # 6. The purchaser confirms the first-ranked bid and publishes the award.
    buyer.goto(journey.url(f"/procurement/tenders/{tender.pk}/evaluation/"))
    journey.shot(buyer, "ranking and confirmation")
    nav(buyer, buyer.locator("button[value=confirm]"))
    nav(buyer, buyer.locator("button[value=announce]"))
    award = tender.awards.get()
    assert award.bid.organisation_id == w.orgs["A"].pk, "A scores higher on the technical part"
    journey.shot(buyer, "award announced")

    # 7. The loser (B) files a challenge; the purchaser answers it (dismissed).
    loser = journey.pages[w.staff["B"].email]
    loser.goto(journey.url(f"/procurement/awards/{award.pk}/"))
    journey.shot(loser, "public award announcement")
    loser.fill("textarea[name=grounds]", "我方报价更低，认为服务方案评分有误，请求复核。")
    nav(loser, loser.locator("form[action$='/challenge/'] [type=submit]"))
    challenge = award.challenges.get()
    buyer.goto(journey.url(f"/procurement/tenders/{tender.pk}/evaluation/"))
    form = buyer.locator(f"form:has(input[name=challenge][value='{challenge.pk}'])")
    form.locator("select[name=outcome]").select_option("dismissed")
    form.locator("textarea[name=reply]").fill("经复核，评分符合招标文件规定的评分标准，质疑不成立。")
    nav(buyer, form.locator("button[value=reply]"))
    challenge = fresh(challenge)
    assert challenge.status == "dismissed", challenge.status
    journey.shot(buyer, "challenge answered")

    # 8. The contract: drafted from the award, signed by both sides, published; a milestone is
    #    reported with evidence, accepted and paid.
    today = timezone.localdate()
    buyer.goto(journey.url(f"/procurement/awards/{award.pk}/contract/"))
    buyer.fill("input[name=term_start]", (today + dt.timedelta(days=1)).isoformat())
    buyer.fill("input[name=term_end]", (today + dt.timedelta(days=365)).isoformat())
    buyer.fill(
        "textarea[name=service_content]",
        "为 300 名居家老人提供助餐、助洁、助浴上门服务，每月服务不少于 4 次。",
    )
    buyer.fill(
        "textarea[name=milestones]",
        f"中期服务 | 服务台账与中期报告 | {(today + dt.timedelta(days=180)).isoformat()} | 70\n"
        f"终期服务 | 终期报告 | {(today + dt.timedelta(days=360)).isoformat()} | 30",
    )
    nav(buyer, buyer.locator("main form [type=submit]").last)
    contract = tender.contracts.get()
    contract_url = journey.url(f"/procurement/contracts/{contract.pk}/")
    winner = journey.pages[w.staff["A"].email]
    for page in (buyer, winner):
        page.goto(contract_url)
        nav(page, page.locator("button[value=sign]"))
    buyer.goto(contract_url)
    nav(buyer, buyer.locator("button[value=publish]"))
    contract = fresh(contract)
    assert contract.status == "published", contract.status
    journey.shot(buyer, "contract signed and published")
    first = contract.milestones.order_by("due_date").first()
    winner.goto(contract_url)
    report = winner.locator(f"form:has(input[name=milestone][value='{first.pk}'])")
    report.locator("textarea[name=text]").fill("已完成上半年服务 1,820 人次，台账见附件。")
    report.locator("input[type=file]").set_input_files(
        files=[{"name": "服务台账.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    nav(winner, report.locator("button[value=report]"))
    journey.shot(winner, "milestone reported")
    buyer.goto(contract_url)
    nav(buyer, buyer.locator("button[value=accept]").first)
    instalment = contract.instalments.order_by("order").first()
    pay = buyer.locator(f"form:has(input[name=instalment][value='{instalment.pk}'])")
    pay.locator("input[name=amount]").fill(str(instalment.amount))
    pay.locator("input[name=paid_on]").fill(today.isoformat())
    pay.locator("input[name=reference]").fill("JMCZ-2026-0815")
    nav(buyer, pay.locator("button[value=pay]"))
    journey.shot(buyer, "first instalment paid")
    assert fresh(instalment).status == "paid", fresh(instalment).status

    # 9. Third-party performance evaluation: commissioned, declared, scored, surveyed, published.
    buyer.goto(journey.url(f"/evaluations/commission/{contract.pk}/"))
    buyer.select_option("select[name=evaluator_organisation]", str(w.evaluator.evaluator_organisation_id))
    nav(buyer, buyer.locator("main form [type=submit]").last)
    evaluation = contract.performance_evaluations.get()
    evaluation_url = journey.url(f"/evaluations/{evaluation.pk}/")
    evaluator = journey.login(w.evaluator)
    evaluator.goto(evaluation_url)
    evaluator.check("input[name=has_conflict][value=no]")
    nav(evaluator, evaluator.locator("form[action$='/declare/'] [type=submit]"))
    leaves = list(evaluation.indicators.filter(is_leaf=True, kind="evidence").order_by("pk"))
    for leaf in leaves:
        evaluator.goto(journey.url(f"/evaluations/{evaluation.pk}/indicators/{leaf.pk}/"))
        evaluator.fill("input[name=value]", str((leaf.weight * Decimal("0.92")).quantize(Decimal("0.01"))))
        evaluator.fill("textarea[name=comment]", "资料齐全，执行规范。")
        nav(evaluator, evaluator.locator("main form:not([enctype]) [type=submit]").first)
    journey.shot(evaluator, "indicators scored")
    evaluator.goto(evaluation_url)
    evaluator.fill("form[action$='/survey/tokens/'] input[name=count]", "3")
    nav(evaluator, evaluator.locator("form[action$='/survey/tokens/'] [type=submit]"))
    journey.shot(evaluator, "survey sheet")
    # The printed slips carry the site's public address; the recipient's phone opens that path.
    links = re.findall(r"/survey/[A-Za-z0-9_-]+/", evaluator.locator("body").inner_text())
    assert len(links) == 3, links
    phone = journey.anonymous("phone", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.goto(journey.url(links[0]))
    for question in ("attitude", "timeliness", "effect", "overall"):
        phone.locator(f"input[name={question}][value='5']").check()
    journey.shot(phone, "survey on a phone")
    nav(phone, phone.locator("main form [type=submit]").last)
    journey.shot(phone, "survey thanks")
    evaluator.goto(evaluation_url)
    evaluator.fill("textarea[name=report]", "项目整体执行良好，服务对象满意度高。")
    nav(evaluator, evaluator.locator("form[action$='/submit/'] [type=submit]"))
    buyer.goto(evaluation_url)
    buyer.check("input[name=decision][value=accept]")
    nav(buyer, buyer.locator("form[action$='/review/'] [type=submit]"))
    evaluation = fresh(evaluation)
    assert evaluation.status == "published", evaluation.status
    assert evaluation.score >= 90, evaluation.score
    journey.shot(buyer, "grade published")

    # 10. The final milestone is reported and accepted (its instalment is held for the evaluation);
    #     the appeal period passes with no appeal, the nightly task makes the result final, and the
    #     grade (优) releases the final instalment, which the purchaser pays.
    last = contract.milestones.order_by("due_date").last()
    winner.goto(contract_url)
    report = winner.locator(f"form:has(input[name=milestone][value='{last.pk}'])")
    report.locator("textarea[name=text]").fill("全年服务 3,650 人次，终期报告见附件。")
    report.locator("input[type=file]").set_input_files(
        files=[{"name": "终期报告.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    nav(winner, report.locator("button[value=report]"))
    buyer.goto(contract_url)
    nav(buyer, buyer.locator("button[value=accept]").first)
    final = contract.instalments.get(is_final=True)
    assert fresh(final).status == "held", fresh(final).status
    Evaluation.objects.filter(pk=evaluation.pk).update(appeal_deadline=today - dt.timedelta(days=1))
    assert finalise_due_evaluations() == 1
    assert fresh(final).status == "due", fresh(final).status
    buyer.goto(contract_url)
    pay = buyer.locator(f"form:has(input[name=instalment][value='{final.pk}'])")
    pay.locator("input[name=amount]").fill(str(final.amount))
    pay.locator("input[name=paid_on]").fill(today.isoformat())
    pay.locator("input[name=reference]").fill("JMCZ-2027-1130")
    nav(buyer, pay.locator("button[value=pay]"))
    assert fresh(final).status == "paid", fresh(final).status
    journey.shot(buyer, "final instalment paid")

    # 11. An anonymous visitor finds the project, downloads the award announcement as a PDF and
    #     verifies the file at /verify/.
    visitor = journey.anonymous("visitor")
    visitor.goto(journey.url("/search/?q=蓬江区居家养老"))
    expect(visitor.locator("main")).to_contain_text(TITLE)
    journey.shot(visitor, "public search finds the project")
    visitor.goto(journey.url(f"/procurement/awards/{award.pk}/"))
    expect(visitor.locator("main")).to_contain_text(w.orgs["A"].name)
    visitor.locator("form:has(input[name=kind][value='procurement.award_announcement']) button").click()
    download_link = visitor.locator("a[href*='/documents/'][href$='/download/']")
    expect(download_link).to_be_visible(timeout=60_000)
    journey.shot(visitor, "award announcement pdf ready")
    with visitor.expect_download() as info:
        download_link.click()
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    visitor.goto(journey.url("/verify/"))
    visitor.set_input_files(
        "input[type=file]", files=[{"name": "中标公告.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    nav(visitor, visitor.locator("form:has(input[type=file]) [type=submit]"))
    expect(visitor.locator(".verdict-authentic")).to_be_visible()
    journey.shot(visitor, "pdf verified as authentic")
    altered = pdf.replace(b"/Producer", b"/Produced", 1) if b"/Producer" in pdf else pdf + b"%"
    visitor.set_input_files(
        "input[type=file]", files=[{"name": "中标公告.pdf", "mimeType": "application/pdf", "buffer": altered}]
    )
    nav(visitor, visitor.locator("form:has(input[type=file]) [type=submit]"))
    expect(visitor.locator(".verdict-authentic")).to_have_count(0)
