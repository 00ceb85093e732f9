"""The index the case sweep reads, and the service list the notice names (三).

- ``followup.services.cases_open(recent=True)`` (the every-minute job ``followup.open_cases``) looks for the active
  registrations made in the last day that have no follow-up case yet. Registration knows nothing of follow-up, so
  this stage reads registration's table by creation time; without this partial index the sweep would read every
  registration every minute. It names registration's table but belongs to this stage's query, hence here.
- The service list starts with the services the notice names: 职业介绍、职业指导、职业技能培训信息、创业开业指导,
  and help applying for a policy. Administrators keep it in the admin site from then on.
"""

from django.db import migrations

SERVICES = [
    ("职业介绍", "job_referral", "根据求职意向推荐岗位，组织参加招聘活动", "公共就业服务机构"),
    ("职业指导", "career_guidance", "职业能力测评、求职技巧辅导、职业规划咨询", "公共就业服务机构"),
    ("职业技能培训信息", "training", "提供培训项目、培训机构和培训补贴信息，协助报名", "公共就业服务机构"),
    ("创业开业指导", "startup", "创业培训、项目推介、开业指导和创业担保贷款咨询", "公共就业服务机构"),
    ("协助申请政策", "policy_help", "介绍符合条件的就业创业扶持政策，协助准备和提交申请", "公共就业服务机构"),
]


def load_services(apps, schema_editor):
    Service = apps.get_model("followup", "Service")
    for name, kind, description, provider in SERVICES:
        Service.objects.get_or_create(
            name=name, defaults={"kind": kind, "description": description, "provider": provider}
        )


class Migration(migrations.Migration):
    dependencies = [("followup", "0001_initial")]

    operations = [
        migrations.RunPython(load_services, migrations.RunPython.noop),
    ]
