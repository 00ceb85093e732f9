"""``manage.py grant_app_role ROLE``: the running application's database role and its limits (common.dbroles).

Run as the owner of the tables right after ``migrate`` (docker-compose.yml's ``migrate`` service does).
"""

import os

from django.core.management.base import BaseCommand, CommandError

from common.dbroles import grant_app_role


class Command(BaseCommand):
    help = "Grant the application's database role what it needs, and no way to rewrite the audit trail."

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role web, worker and beat connect as")
        parser.add_argument(
            "--password-env",
            help="name of an environment variable holding its password: create the login role, or set it",
        )

    def handle(self, *args, role: str, password_env: str | None, **options):
        password = None
        if password_env:
            password = os.environ.get(password_env, "")
            if not password:
                raise CommandError(f"{password_env} is empty")
        try:
            counts = grant_app_role(role, password=password)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"grant_app_role: {role} may read and write {counts['tables']} tables; "
            f"{counts['append_only']} of them append-only (no UPDATE, DELETE or TRUNCATE)"
        )
