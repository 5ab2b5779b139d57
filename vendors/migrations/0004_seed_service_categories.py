"""The seeded service-category taxonomy (江门 大民政 programme). Directory administrators edit it later;
re-running only adds what is missing and never overwrites an edited name."""

from django.db import migrations

# code, name, English name, parent code, order
CATEGORIES = [
    ("YL", "养老服务", "Elderly care", None, 10),
    ("ZC", "助残服务", "Disability services", None, 20),
    ("SQ", "社区服务", "Community services", None, 30),
    ("JZ", "社会救助", "Social assistance", None, 40),
    ("QS", "儿童与青少年", "Children and youth", None, 50),
    ("LS", "留守儿童", "Left-behind children", "QS", 51),
    ("SG", "社会工作", "Social work", None, 60),
    ("JT", "家庭服务", "Family services", None, 70),
    ("XF", "信访", "Petition (xinfang) services", None, 80),
    ("JX", "军休服务", "Services for retired military cadres", None, 90),
    ("GY", "公益创投", "Social venture philanthropy", None, 100),
    ("JD", "禁毒与社区矫正", "Drug prevention and community correction", None, 110),
    ("YW", "医务社工", "Medical social work", "SG", 61),
]


def seed(apps, schema_editor):
    ServiceCategory = apps.get_model("vendors", "ServiceCategory")
    by_code = {}
    for code, name, name_en, parent, order in CATEGORIES:
        existing = ServiceCategory.objects.filter(code=code).first()
        if existing is None and not ServiceCategory.objects.filter(name=name).exists():
            existing = ServiceCategory.objects.create(
                code=code, name=name, name_en=name_en, parent=by_code.get(parent), sort_order=order
            )
        if existing is not None:
            by_code[code] = existing


class Migration(migrations.Migration):
    dependencies = [("vendors", "0003_directory")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
