from django.conf import settings
from django.core.management.base import BaseCommand

from common.history import history_context
from offices.demo import load_demo_offices
from portal.plugins import demo_loaders


class Command(BaseCommand):
    help = (
        "Load the demo data: Jiaozuo offices and demo staff, then each stage's demo data (its plugins.py "
        "demo_data). Only with DEBUG or DEMO_DATA on. Idempotent."
    )

    def handle(self, *args, **options):
        if not (settings.DEBUG or settings.DEMO_DATA):
            self.stdout.write("seed_demo: skipped (set DEMO_DATA=true to load demo data outside DEBUG)")
            return
        with history_context(source="command:seed_demo"):
            result = load_demo_offices()
            self.stdout.write(
                f"seed_demo: {result['offices']} offices, {result['staff_created']} new demo staff"
            )
            for app_label, load in demo_loaders():
                self.stdout.write(f"seed_demo: {app_label}: {load()} new demo rows")
