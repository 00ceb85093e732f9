from django.db import models
from django.utils.translation import gettext_lazy as _

from common.history import tracked


class CodeTable(models.Model):
    """A national code table (代码表) by its indicator code, e.g. AAC058 证件类型, AJC00A 注销失业登记原因.

    ``editable`` tables (medium confidence in shared/codes/README.md, or varying by province) may be extended
    or relabelled by an administrator without a deploy; exact tables from the notice are read-only.
    """

    code = models.CharField(_("指标编码"), max_length=10, primary_key=True)
    name = models.CharField(_("名称"), max_length=50)
    editable = models.BooleanField(_("允许管理员维护"), default=False)
    source = models.CharField(_("来源"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("代码表")
        verbose_name_plural = _("代码表")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


@tracked()
class CodeItem(models.Model):
    """One code of a code table with its Chinese label. Retired codes stay (old records keep their meaning)
    but are no longer offered (``active`` false)."""

    table = models.ForeignKey(
        CodeTable, on_delete=models.PROTECT, related_name="items", verbose_name=_("代码表")
    )
    code = models.CharField(_("代码"), max_length=10)
    label = models.CharField(_("名称"), max_length=100)
    active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("代码")
        verbose_name_plural = _("代码")
        ordering = ["table_id", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["table", "code"], name="codes_codeitem_unique_code_per_table"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"
