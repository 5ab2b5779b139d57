"""PDF scenario: a 10-page contract and a 200-bid opening record in the official layout.

Until procurement registers its contract and opening-record document kinds, both documents are
synthetic: templates written here that extend the real ``pdf/base.html`` (red header, footer page
counter, embedded CJK font, QR code), filled with generated data of realistic length, rendered by
the real ``accounts.pdf.render_pdf``. Rendering is the cost that matters; storing the file and its
SHA-256 adds milliseconds. Replace with the real kinds once they exist.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench import scenario

CONTRACT = """{% extends "pdf/base.html" %}
{% block content %}
<p class="no-indent">甲方（采购人）：{{ purchaser }}　　乙方（供应商）：{{ supplier }}</p>
{% for clause in clauses %}
<h2>第{{ forloop.counter }}条　{{ clause.title }}</h2>
{% for para in clause.paragraphs %}<p>{{ para }}</p>{% endfor %}
{% endfor %}
<table><colgroup><col style="width:10%"><col style="width:50%"><col style="width:20%"><col style="width:20%"></colgroup>
<thead><tr><th>序号</th><th>付款节点</th><th class="num">比例</th><th class="num">金额（元）</th></tr></thead>
<tbody>{% for m in milestones %}<tr><td>{{ m.n }}</td><td>{{ m.name }}</td><td class="num">{{ m.share }}</td><td class="num">{{ m.amount }}</td></tr>{% endfor %}</tbody></table>
{% endblock %}"""

OPENING_RECORD = """{% extends "pdf/base.html" %}
{% block content %}
<p>开标时间：{{ opened_at }}。递交投标文件的供应商共 {{ bids|length }} 家，开标结果如下：</p>
<table><colgroup><col style="width:6%"><col style="width:28%"><col style="width:24%"><col style="width:18%"><col style="width:24%"></colgroup>
<thead><tr><th>序号</th><th>投标人</th><th>统一社会信用代码</th><th class="num">投标报价（元）</th><th>递交时间</th></tr></thead>
<tbody>{% for b in bids %}<tr><td>{{ b.n }}</td><td>{{ b.name }}</td><td>{{ b.code }}</td><td class="num">{{ b.price }}</td><td>{{ b.at }}</td></tr>{% endfor %}</tbody></table>
{% endblock %}"""

PARAGRAPH = (
    "乙方应按照采购文件及投标文件的承诺，为服务对象提供专业、规范、持续的社会工作服务，"
    "配备不少于合同约定人数的持证社会工作者，建立服务台账，按月向甲方报送服务进度、"
    "服务对象满意度及经费使用情况；甲方有权对服务过程进行监督检查并组织第三方绩效评价。"
)


def _contract_context() -> dict[str, Any]:
    clauses = [{"title": f"服务内容与要求（{n}）", "paragraphs": [PARAGRAPH] * 3} for n in range(1, 27)]
    milestones = [
        {"n": n, "name": f"第{n}期服务验收合格后", "share": "25%", "amount": f"{312_500.00:,.2f}"}
        for n in range(1, 5)
    ]
    return {
        "issuer": "江门市民政局",
        "purchaser": "江门市民政局",
        "supplier": "江门市蓬江区阳光社会工作服务中心",
        "clauses": clauses,
        "milestones": milestones,
    }


def _opening_context(bids: int) -> dict[str, Any]:
    return {
        "issuer": "江门市民政局",
        "opened_at": "2026年11月29日 09:30:00",
        "bids": [
            {
                "n": n,
                "name": f"江门市第{n}社会工作服务中心",
                "code": f"52440700MJ{n:07d}X",
                "price": f"{980_000 + n * 1_373.25:,.2f}",
                "at": f"2026-11-28 {8 + n % 10:02d}:{n % 60:02d}:{(n * 7) % 60:02d}",
            }
            for n in range(1, bids + 1)
        ],
    }


@scenario("pdf")
def run() -> dict[str, float | int]:
    from django.conf import settings
    from django.test.utils import override_settings
    from django.utils import timezone

    from accounts.pdf import render_pdf

    folder = Path(tempfile.mkdtemp(prefix="govbuy-bench-pdf-"))
    (folder / "bench_contract.html").write_text(CONTRACT, encoding="utf-8")
    (folder / "bench_opening_record.html").write_text(OPENING_RECORD, encoding="utf-8")
    templates = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], folder]}]

    def render(template: str, context: dict[str, Any], title: str) -> tuple[float, int]:
        started = time.perf_counter()
        result = render_pdf(
            template,
            context,
            title=title,
            reference="江民采〔2026〕88号",
            verify_code="GBV-BENC-H000-0001",
            issued_at=timezone.now(),
        )
        return time.perf_counter() - started, result.pages

    with override_settings(TEMPLATES=templates):
        render("bench_opening_record.html", _opening_context(3), "预热")  # fonts and caches
        contract_s, contract_pages = render("bench_contract.html", _contract_context(), "社会工作服务合同")
        opening_s, opening_pages = render("bench_opening_record.html", _opening_context(200), "开标记录")
    return {
        "contract_10p_s": contract_s,
        "contract_pages": contract_pages,
        "opening_record_200_s": opening_s,
        "opening_record_pages": opening_pages,
        "pages_per_s": (contract_pages + opening_pages) / (contract_s + opening_s),
    }
