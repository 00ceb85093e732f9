"""``manage.py stats_compute [--period 2026-11] [--region 410800]``: the twin of the job
``unemployment_stats.provisional`` for any closed period, or for one reporting region."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from common.history import history_context
from offices.models import Region

from ...periods import last_closed_period, parse_period
from ...services import report_compute, reports_compute_provisional


class Command(BaseCommand):
    help = "计算登记失业月报（暂定数据；已定稿的月报只记录差异）"

    def add_arguments(self, parser):
        parser.add_argument("--period", help="报告月份 YYYY-MM（默认：最近结束的统计期）")
        parser.add_argument("--region", help="只计算该行政区划的月报（默认：所有填报单位）")

    def handle(self, *args, **options):
        if options["period"]:
            period = parse_period(options["period"])
            if period is None:
                raise CommandError("报告月份应为 YYYY-MM，例如 2026-11")
        else:
            period = last_closed_period(timezone.localdate())
        with history_context(source="command:stats_compute"):
            try:
                if options["region"]:
                    region = Region.objects.filter(code=options["region"]).first()
                    if region is None:
                        raise CommandError(f"没有行政区划 {options['region']}")
                    report = report_compute(region=region, period=period)
                    result: dict[str, object] = {
                        "status": report.status,
                        "differences": len(report.pending_differences),
                    }
                else:
                    result = dict(reports_compute_provisional(period=period))
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(f"{period.key}: {result}")
