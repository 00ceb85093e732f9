from django.db import models


class TimeStampedModel(models.Model):
    """Abstract base: when a row was created and last updated. Who changed what lives in the history tables."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Heartbeat(models.Model):
    """The last time a periodic signal was seen, one row per name ("beat": Celery beat's minute tick).

    /healthz reports it, so ops can tell that beat and a worker are both alive.
    """

    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"
