"""The shared halves of the pages of a batch import (an uploaded list processed by a job, with a per-row report):
the upload that stores the file on a queued batch and sends the user to its page, and the report part of that page.
Stages pass their own forms, import starters, batches and URL names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect

from offices.auth import AuthenticatedHttpRequest

from .forms import add_service_errors
from .tables import ImportFileError


def import_upload(
    request: AuthenticatedHttpRequest,
    form: Form,
    start: Callable[[dict[str, Any]], Any],
    *,
    started: str,
    detail_url: str,
) -> HttpResponse | None:
    """The upload half of an import page (each stage's lists): with a valid POSTed ``form``,
    ``start(form.cleaned_data)`` checks the file cheaply and stores it on a queued batch; the user is then told
    ``started`` and sent to the batch's page (the URL name ``detail_url``, taking ``pk``). A refused file's message
    goes on the form's file field. ``None`` when the page is to be shown again (a GET, an invalid form or a
    refused file), with the first error focused."""
    if request.method == "POST" and form.is_valid():
        try:
            batch = start(form.cleaned_data)
        except ImportFileError as exc:
            add_service_errors(form, exc, field="file")
        else:
            messages.info(request, started)
            return redirect(detail_url, pk=batch.pk)
    form.focus_first()  # type: ignore[attr-defined]  # the import forms have common.forms' mixin
    return None


def batch_report(
    request: AuthenticatedHttpRequest, batch: Any, batches: QuerySet, *, per_page: int
) -> dict[str, Any]:
    """The report part of an import batch's page: ``earlier``, the first batch of the same file and kind among
    ``batches`` (those the user may see) imported before it, if any; ``errors`` and ``skips``, a page each
    (``?page=`` and ``?skipped_page=``) of the batch's per-row errors and skipped rows."""
    earlier = (
        batches.filter(sha256=batch.sha256, kind=batch.kind, created_at__lt=batch.created_at)
        .order_by("created_at")
        .first()
    )
    return {
        "earlier": earlier,
        "errors": Paginator(batch.errors or [], per_page).get_page(request.GET.get("page")),
        "skips": Paginator(batch.skips or [], per_page).get_page(request.GET.get("skipped_page")),
    }
