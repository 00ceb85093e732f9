import os

from celery import Celery
from celery.contrib.django.task import DjangoTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


class HistoryTask(DjangoTask):
    """Every task's writes carry their source in the history ("task:<name>"), as web edits carry their URL;
    a job or an import inside may name itself more precisely (common.history.history_context)."""

    def __call__(self, *args, **kwargs):
        from common.history import history_context  # Django is set up by the time a task runs

        with history_context(source=f"task:{self.name}"):
            return super().__call__(*args, **kwargs)


app = Celery("unemployment_registration", task_cls=HistoryTask)
# All Celery settings come from Django settings, prefixed CELERY_ (config/settings/base.py).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
