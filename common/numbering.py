"""Human-readable, never-reused record numbers from PostgreSQL sequences.

    next_number("SQ", "registration_application_number_seq")   # 'SQ2026112500000042'

Prefix + issue date (Asia/Shanghai, YYYYMMDD) + 8-digit sequence value: 18 characters, the length of the
ministry's AAZ341 系统流水号. Sequences never hand out a value twice, even across rolled-back transactions.
"""

from django.db import connection
from django.utils import timezone


def next_number(prefix: str, sequence: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [sequence])
        (value,) = cursor.fetchone()
    return f"{prefix}{timezone.localdate():%Y%m%d}{value % 10**8:08d}"
