"""The platform's standard indicator system for purchased social services (社会服务项目绩效评价指标体系).

Five dimensions after the MoF framework (投入, 过程, 产出, 效果) with service-recipient and purchaser
satisfaction (满意度) as the fifth; the data is frozen here so later edits of the template on the
platform are edits of data, not of this migration.
"""

from decimal import Decimal

from django.db import migrations

NAME = "社会服务项目绩效评价指标体系（标准）"

# (code, parent, name, name_en, weight, kind, guidance)
INDICATORS = [
    ("1", None, "投入", "Input", "15", "evidence", ""),
    ("1.1", "1", "人员配置", "Staffing", "8", "evidence",
     "项目团队人数、持证社工比例、督导配置与合同约定一致。查阅人员名册、资格证书、劳动合同及社保缴纳记录。"
     "完全符合得8分；每缺1名约定人员扣2分；无持证社工不得分。"),
    ("1.2", "1", "资金使用", "Use of funds", "7", "evidence",
     "项目资金专款专用、单独核算，支出与预算相符，票据合规。查阅财务账目、支出凭证、预算执行表。"
     "发现挪用不得分；预算偏差超过10%扣3分；票据不全每项扣1分。"),
    ("2", None, "过程", "Process", "25", "evidence", ""),
    ("2.1", "2", "服务管理", "Service management", "10", "evidence",
     "有项目实施方案、工作计划、服务流程和内部管理制度并落实；定期召开项目例会和督导。"
     "查阅方案、制度、会议及督导记录。"),
    ("2.2", "2", "档案记录", "Records", "8", "evidence",
     "服务对象档案、个案/小组/社区活动记录完整、真实、规范，隐私信息妥善保管。抽查不少于10%的档案。"),
    ("2.3", "2", "风险控制", "Risk control", "7", "evidence",
     "有安全预案、突发事件处置机制和投诉处理渠道；服务期间未发生重大安全责任事故。"
     "发生重大事故不得分。"),
    ("3", None, "产出", "Output", "25", "evidence", ""),
    ("3.1", "3", "服务数量", "Quantity of services", "13", "evidence",
     "完成合同约定的服务人次、个案数、小组及社区活动场次。按完成率计分：完成率×13，最高13分。"),
    ("3.2", "3", "服务质量", "Quality of services", "12", "evidence",
     "服务符合行业标准和合同质量要求，专业方法运用得当，服务记录与实际一致。结合现场观察与抽查评分。"),
    ("4", None, "效果", "Outcome", "20", "evidence", ""),
    ("4.1", "4", "社会效益", "Social benefit", "12", "evidence",
     "服务对象需求得到回应，问题得到改善（如生活自理能力、社会支持网络）；项目获得媒体报道或表彰可酌情加分，"
     "本项最高12分。"),
    ("4.2", "4", "可持续性", "Sustainability", "8", "evidence",
     "形成可复制的服务模式和制度，培育志愿者或社区骨干，服务对象能持续受益。"),
    ("5", None, "满意度", "Satisfaction", "15", "evidence", ""),
    ("5.1", "5", "服务对象满意度", "Satisfaction of service recipients", "10", "survey",
     "由满意度问卷自动计分：平均满意度（1–5分）÷5×10。问卷回收率低于30%时应在报告中说明。"),
    ("5.2", "5", "购买主体满意度", "Satisfaction of the purchasing department", "5", "evidence",
     "访谈购买主体项目负责人，结合其书面意见评分。"),
]


def create(apps, schema_editor):
    IndicatorTemplate = apps.get_model("evaluation", "IndicatorTemplate")
    Indicator = apps.get_model("evaluation", "Indicator")
    if IndicatorTemplate.objects.filter(name=NAME, version=1).exists():
        return
    template = IndicatorTemplate.objects.create(
        name=NAME,
        version=1,
        is_standard=True,
        active=True,
        description="适用于养老、助残、社区服务、社会救助、留守儿童等政府购买社会服务项目的中期和末期绩效评价。",
    )
    created = {}
    for order, (code, parent, name, name_en, weight, kind, guidance) in enumerate(INDICATORS):
        created[code] = Indicator.objects.create(
            template=template,
            parent=created[parent] if parent else None,
            code=code,
            name=name,
            name_en=name_en,
            weight=Decimal(weight),
            kind=kind,
            guidance=guidance,
            sort_order=order,
        )


def remove(apps, schema_editor):
    IndicatorTemplate = apps.get_model("evaluation", "IndicatorTemplate")
    IndicatorTemplate.objects.filter(name=NAME, version=1, evaluations__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]
