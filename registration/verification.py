"""信息比对 (notice 二): facts of an application checked against other departments' data.

A check is a class with ``name`` and ``run(application) -> CheckResult``; ``CHECKS`` lists the ones run on
every application (settings ``REGISTRATION_COMPARISON_CHECKS`` may replace the list). The project ships one
real source: records imported by ops from the social-insurance and business-registration departments' files
(``ComparisonRecord``). A live interface to those departments would be one more class here.

The outcome is advice for the caseworker, stored on the application (``Verification``); the decision stays
theirs (a person found "employed" may have left the job last week: the caseworker checks by hand).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from .idnumbers import citizen_id_forms
from .models import CITIZEN_ID, Application, ComparisonRecord, Verification


@dataclass
class CheckResult:
    found_employment: bool
    sources: list[str]
    details: list[str] = field(default_factory=list)


class ImportedRecordsCheck:
    """Ongoing social-insurance contributions or business registrations in the imported records.

    Records are imported under the identity key (the 18-digit form of a citizen ID); a record kept in the
    15-digit form from before (the data migration leaves one whose 18-digit twin is held) is found as well.
    """

    name = "imported_records"

    def run(self, application: Application) -> CheckResult:
        on = timezone.localdate(application.submitted_at)
        person = application.person
        numbers = citizen_id_forms(person.id_number) if person.id_type == CITIZEN_ID else [person.id_number]
        records = ComparisonRecord.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on),
            id_number__in=numbers,
            start_date__lte=on,
        ).order_by("source", "start_date")
        details = [
            f"{r.get_source_display()}：{r.organisation}（{r.start_date:%Y-%m-%d}起{'' if r.end_date is None else f'至{r.end_date:%Y-%m-%d}'}）"
            for r in records
        ]
        return CheckResult(
            found_employment=bool(details),
            sources=[str(label) for label in ComparisonRecord.Source.labels],
            details=details,
        )


DEFAULT_CHECKS = ["registration.verification.ImportedRecordsCheck"]


def run_comparison(application: Application) -> Verification:
    """Run every configured check on ``application`` and store one Verification with the combined outcome."""
    paths = getattr(settings, "REGISTRATION_COMPARISON_CHECKS", DEFAULT_CHECKS)
    sources: list[str] = []
    details: list[str] = []
    found = False
    for path in paths:
        result = import_string(path)().run(application)
        sources += result.sources
        details += result.details
        found = found or result.found_employment
    return Verification.objects.create(
        application=application,
        method=Verification.Method.COMPARISON,
        sources=sources,
        outcome=Verification.Outcome.EMPLOYMENT_FOUND if found else Verification.Outcome.NO_RECORD,
        detail="；".join(details)[:500],
        performed_at=timezone.now(),
    )
