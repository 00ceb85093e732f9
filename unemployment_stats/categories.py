"""The categories counted in the monthly report (notice 一, Henan 三), each with the stage-1 record it comes from
and the dates it applies.

Stage 1 keeps the categories on the registration itself (copied from the application when it is decided, set by
the graduate hand-over, or read from the import's 人员类别 column), so a registration is counted in a category
for as long as it is active, from ``registered_on`` (for a hand-over: the hand-over date, which is its
``registered_on``) to its end. Stage 1 keeps no separate start or end date of a category (a subsidy that stops
while the registration goes on stays counted): that is the known limit, said in README. The SQL fragment of each
category reads the columns of ``registration_registration`` (alias ``r``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Category:
    key: str
    label: Promise
    source: Promise
    applies: Promise
    sql: str


CATEGORIES: tuple[Category, ...] = (
    Category(
        "graduate",
        _("离校未就业高校毕业生"),
        _("教育部门移交名单（登记来源“教育部门移交”）或申请时本人申报（劳动部门摸排）"),
        _("自登记日期（移交日期）起至登记注销"),
        "r.is_graduate",
    ),
    Category(
        "subsidy",
        _("领取失业补助金人员"),
        _("申请时申报或既有登记导入（人员类别）"),
        _("自登记日期起至登记注销"),
        "r.draws_unemployment_subsidy",
    ),
    Category(
        "migrant_one_time",
        _("领取一次性生活补助的失业农民工"),
        _("申请时申报或既有登记导入（人员类别）"),
        _("自登记日期起至登记注销"),
        "r.migrant_allowance = 'one_time'",
    ),
    Category(
        "migrant_temporary",
        _("领取临时生活补助的失业农民工"),
        _("申请时申报或既有登记导入（人员类别）"),
        _("自登记日期起至登记注销"),
        "r.migrant_allowance = 'temporary'",
    ),
    Category(
        "difficulty",
        _("就业困难人员"),
        _("申请时记录的就业困难人员类别"),
        _("自登记日期起至登记注销"),
        "r.difficulty_category <> ''",
    ),
)

CATEGORY_LABELS = {c.key: c.label for c in CATEGORIES}
