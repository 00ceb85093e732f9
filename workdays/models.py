from django.db import models
from django.utils.translation import gettext_lazy as _

from common.history import tracked


@tracked()
class CalendarDay(models.Model):
    """One day of the official working calendar (国务院办公厅 holiday schedule).

    Weekends and public holidays are off, adjusted weekend workdays (调休) are on. Every deadline in the
    system (3 working days to decide, 5 to first contact) counts these rows, never plain weekdays. Years are
    loaded whole; beyond the last loaded day the deadline code refuses to answer (``CalendarNotLoaded``)
    instead of guessing.
    """

    class Kind(models.TextChoices):
        WORKDAY = "workday", _("工作日")
        WEEKEND = "weekend", _("周末")
        HOLIDAY = "holiday", _("法定节假日")
        ADJUSTED_WORKDAY = "adjusted", _("调休上班")

    date = models.DateField(_("日期"), primary_key=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    # Derived by the database from kind, so the two can never disagree.
    is_workday = models.GeneratedField(
        expression=models.ExpressionWrapper(
            models.Q(kind__in=["workday", "adjusted"]), output_field=models.BooleanField()
        ),
        output_field=models.BooleanField(),
        db_persist=True,
        verbose_name=_("是否工作日"),
    )
    note = models.CharField(_("说明"), max_length=50, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]
        indexes = [
            # workdays.calendar.add_workdays: "the next N working days after D".
            models.Index(
                fields=["date"], condition=models.Q(is_workday=True), name="workdays_day_workday_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["workday", "weekend", "holiday", "adjusted"]),
                name="workdays_calendarday_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"
