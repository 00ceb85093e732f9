"""What stage 3 does when an earlier stage tells it something (``registration.signals``)."""

from __future__ import annotations

from registration.imports import COMPARISON_KINDS
from registration.models import ImportBatch

from .services import exit_proposals_from_comparison


def comparison_import_done(sender, *, batch: ImportBatch, **kwargs) -> None:
    """A social-insurance or business-registration import is done: propose 11 / 12 for the records it brought
    that started after the registration date of an active registration (``exit_proposals_from_comparison``)."""
    if batch.kind in COMPARISON_KINDS:
        exit_proposals_from_comparison(batch_id=batch.pk)
