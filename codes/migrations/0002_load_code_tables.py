"""Load the code tables shipped in codes/data/ (copied from shared/codes/, never retyped)."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"

# code: (name, editable by an administrator, source). Editable = medium confidence or varies by province.
TABLES = {
    "AAC004": ("性别", False, "GB/T 2261.1"),
    "AAC005": ("民族", False, "GB 3304"),
    "AAC009": ("户口性质", True, "人社就业系统通用代码"),
    "AAC011": ("文化程度", True, "GB/T 4658-2006（人社就业系统口径）"),
    "AAC058": ("证件类型", True, "人社部业务代码"),
    "ADC310": ("就业困难人员类别", True, "各省口径不一，可维护"),
    "AJC00A": ("注销失业登记原因", False, "人社厅发〔2020〕79号附件《失业登记退出数据上报对接方案》"),
    "AJC093": ("失业原因", True, "人社就业系统通用代码"),
}


def load(apps, schema_editor):
    CodeTable = apps.get_model("codes", "CodeTable")
    CodeItem = apps.get_model("codes", "CodeItem")
    for code, (name, editable, source) in TABLES.items():
        table, _ = CodeTable.objects.update_or_create(
            code=code, defaults={"name": name, "editable": editable, "source": source}
        )
        with open(DATA / f"{code}.tsv", encoding="utf-8", newline="") as fh:
            for n, row in enumerate(csv.DictReader(fh, delimiter="\t")):
                CodeItem.objects.update_or_create(
                    table=table, code=row["code"], defaults={"label": row["label"], "sort_order": n}
                )


class Migration(migrations.Migration):
    dependencies = [("codes", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
