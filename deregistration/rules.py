"""The exit rules of notice (四) that need no database: which AJC00A codes may be offered, and which need a
supervisor's approval.

The notice lists the reasons to deregister (AJC00A, the attachment's code table) and warns against "simply"
deregistering people for refusing services or being unreachable: 31 (连续3次拒绝接受公共就业服务) is offered
only when the follow-up stage counts at least 3 consecutive refusals, 32 (连续6个月无法取得联系) only with at
least 6 consecutive unreachable months; both, and 90 (其他) so that it cannot become the way around them,
need the further checks described and a supervisor's approval.
"""

from __future__ import annotations

# AJC00A, in the order of the code table (codes/AJC00A; tests compare the two).
ALL_CODES: tuple[str, ...] = ("11", "12", "13", "14", "21", "23", "24", "25", "26", "31", "32", "90")

CODE_REFUSALS = "31"
CODE_UNREACHABLE = "32"
CODE_PENSION = "21"  # 享受基本养老保险待遇
CODE_DEATH = "26"  # nobody to tell
CODE_OTHER = "90"  # needs a remark (AAE013)

REFUSALS_FOR_31 = 3  # 连续3次拒绝接受公共就业服务
UNREACHABLE_MONTHS_FOR_32 = 6  # 连续6个月无法取得联系

# Never simple: a supervisor approves these (notice 四).
NEEDS_APPROVAL: frozenset[str] = frozenset({CODE_REFUSALS, CODE_UNREACHABLE, CODE_OTHER})
# The caseworker describes the further checks made (home visit, other contacts, data comparison).
NEEDS_FURTHER_CHECKS: frozenset[str] = frozenset({CODE_REFUSALS, CODE_UNREACHABLE})
NEEDS_REMARK: frozenset[str] = frozenset({CODE_OTHER})
NO_NOTICE: frozenset[str] = frozenset({CODE_DEATH})


def codes_offered(*, refusals_in_a_row: int, unreachable_months: int) -> set[str]:
    """The AJC00A codes a caseworker may choose for a person with these follow-up streaks: every code, except
    31 below 3 consecutive refusals and 32 below 6 consecutive unreachable months (notice 四)."""
    offered = set(ALL_CODES)
    if refusals_in_a_row < REFUSALS_FOR_31:
        offered.discard(CODE_REFUSALS)
    if unreachable_months < UNREACHABLE_MONTHS_FOR_32:
        offered.discard(CODE_UNREACHABLE)
    return offered


def needs_approval(code: str) -> bool:
    return code in NEEDS_APPROVAL
