"""Periodic jobs of stage 1 (declared once here; common.jobs builds beat's schedule from them)."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from common.jobs import job

from .imports import import_batches_resume


@job(
    "registration.resume_import_batches",
    schedule=timedelta(minutes=1),
    title=_("续办中断的数据导入（消息丢失或后台进程停止后从最后完成的分块继续）"),
)
def resume_import_batches() -> dict:
    """Queue again imports left queued (lost message) or without a heartbeat for a minute (stopped worker).

    With the 15-second heartbeat of registration.imports.batches, interrupted work resumes within about two
    minutes."""
    return {"queued": import_batches_resume()}
