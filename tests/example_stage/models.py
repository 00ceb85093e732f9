from django.db import models


class Tick(models.Model):
    """What the example stage's job writes; its model gives the stage permissions to grant."""

    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [("use_example", "Can use the example stage")]

    def __str__(self) -> str:
        return f"tick {self.at:%H:%M:%S}"
