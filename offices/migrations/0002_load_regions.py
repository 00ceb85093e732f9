"""Load every GB/T 2260 region (offices/data/gbt2260.tsv) and check it against the Jiaozuo seed."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def read_tsv(name):
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def load(apps, schema_editor):
    Region = apps.get_model("offices", "Region")
    rows = read_tsv("gbt2260.tsv")
    by_code = {r["code"]: r for r in rows}
    paths = {}

    def path_of(code):
        if code not in paths:
            parent = by_code[code]["parent"]
            paths[code] = (path_of(parent) if parent else "") + code + "/"
        return paths[code]

    existing = set(Region.objects.values_list("code", flat=True))
    Region.objects.bulk_create(
        [
            Region(code=r["code"], name=r["name"], level=int(r["level"]), parent_id=r["parent"] or None, path=path_of(r["code"]))
            for r in sorted(rows, key=lambda r: int(r["level"]))
            if r["code"] not in existing
        ],
        batch_size=1000,
    )
    # The deployment's own seed (shared/codes/AAB301-jiaozuo.tsv) must agree with the national list.
    for seed in read_tsv("AAB301-jiaozuo.tsv"):
        region = Region.objects.get(code=seed["code"])
        if region.name != seed["label"]:
            raise RuntimeError(f"region {seed['code']}: national list says {region.name}, seed says {seed['label']}")


class Migration(migrations.Migration):
    dependencies = [("offices", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
