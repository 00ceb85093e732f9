from django.conf import settings
from django.core.management.base import BaseCommand

from common.history import history_context


class Command(BaseCommand):
    help = "Load the demo data (Jiaozuo offices, demo staff, demo people at every intake stage). Only with DEBUG or DEMO_DATA on. Idempotent."

    def handle(self, *args, **options):
        if not (settings.DEBUG or settings.DEMO_DATA):
            self.stdout.write("seed_demo: skipped (set DEMO_DATA=true to load demo data outside DEBUG)")
            return
        from offices.demo import load_demo_offices
        from registration.demo import load_demo_people

        with history_context(source="command:seed_demo"):
            result = load_demo_offices()
            people = load_demo_people()
        self.stdout.write(
            f"seed_demo: {result['offices']} offices, {result['staff_created']} new demo staff, {people} new demo people"
        )
