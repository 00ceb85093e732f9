from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.history import tracked
from common.models import TimeStampedModel
from common.validators import validate_no_spaces

from .roles import Role

validate_region_code = RegexValidator(r"^\d{6}$", _("行政区划代码应为6位数字"))


class RegionArea(models.TextChoices):
    """Urban or rural (城镇 / 农村), as the administrators classify a region; each region is classified on its own
    (nothing is inherited from the parent; a new region is urban until an administrator says otherwise)."""

    URBAN = "urban", _("城镇")
    RURAL = "rural", _("农村")


class Region(models.Model):
    """An administrative division (行政区划, GB/T 2260): province → city → county, six-digit code.

    The whole country is loaded so that a 户籍地 anywhere can be recorded; the deployment's own offices sit
    in one province. ``path`` is the materialized chain of codes from the province down
    (``"410000/410800/410802/"``), so "this region and everything below it" is one indexed prefix match.
    Locally assigned codes (e.g. Jiaozuo's 城乡一体化示范区, which has no GB/T 2260 code) are marked ``is_local``.
    """

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("省级")
        CITY = 2, _("地市级")
        COUNTY = 3, _("县区级")

    Area = RegionArea

    code = models.CharField(
        _("行政区划代码"), max_length=6, primary_key=True, validators=[validate_region_code]
    )
    name = models.CharField(_("名称"), max_length=50)
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=64, editable=False)
    is_local = models.BooleanField(_("本地自定义代码"), default=False)
    area = models.CharField(
        _("城乡属性"),
        max_length=5,
        choices=Area.choices,
        default=Area.URBAN,
        help_text=_("由系统管理员维护：城镇区域或农村区域"),
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [
            # Prefix match in offices.scoping.visible_regions ("path LIKE '410800/%'").
            models.Index(
                fields=["path"], name="offices_region_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^\d{6}$"), name="offices_region_code_six_digits"
            ),
            models.CheckConstraint(
                condition=models.Q(level=1, parent__isnull=True)
                | models.Q(level__gt=1, parent__isnull=False),
                name="offices_region_parent_matches_level",
            ),
            models.CheckConstraint(
                condition=models.Q(area__in=RegionArea.values), name="offices_region_area_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args, **kwargs):
        # path is derived data (like a cached column), not a business rule: keep it in step with parent.
        self.path = f"{self.parent.path if self.parent is not None else ''}{self.code}/"
        super().save(*args, **kwargs)

    def is_within(self, other: "Region") -> bool:
        """True if this region is ``other`` or lies below it."""
        return self.path.startswith(other.path)


@tracked()
class Office(TimeStampedModel):
    """A public employment service office (公共就业服务机构) serving one region and everything below it.

    A county office serves its county; the city's office (or supervisors placed there) sees all its counties.
    """

    code = models.CharField(_("机构代码"), max_length=20, unique=True)
    name = models.CharField(_("机构名称"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="offices"
    )
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("经办机构")
        verbose_name_plural = _("经办机构")
        ordering = ["region_id", "code"]

    def __str__(self) -> str:
        return self.name


@tracked(exclude=["password", "last_login"])
class User(AbstractUser):
    """A staff member. Belongs to one office (which fixes what they may see) and has roles (Django groups).

    ``handler_name`` is the 经办人 (AAE011) written on every record they handle and uploaded to the ministry:
    at most 20 characters and, by the upload table's rule, no half- or full-width spaces.
    """

    office = models.ForeignKey(
        Office,
        verbose_name=_("所属机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    handler_name = models.CharField(
        _("经办人姓名"),
        max_length=20,
        blank=True,
        validators=[validate_no_spaces],
        help_text=_("上报部级平台的经办人（AAE011），不能含有空格"),
    )

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(handler_name__regex=r"[\s\u3000]"),
                name="offices_user_handler_name_no_spaces",
            ),
        ]

    def __str__(self) -> str:
        return self.handler_name or self.username

    @property
    def roles(self) -> set[str]:
        """Names of this user's roles (cached per instance; groups rarely change within a request)."""
        if not hasattr(self, "_roles_cache"):
            valid = set(Role.values)
            self._roles_cache = {g for g in self.groups.values_list("name", flat=True) if g in valid}
        return self._roles_cache

    def has_role(self, role: str) -> bool:
        return self.is_superuser or role in self.roles

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in Role.values if r in self.roles]
