"""Password rules of 等保2.0 level 3 (GB/T 22239-2019 8.1.4.1 a: "口令应有复杂度要求并定期更换"): at least
8 characters (Django's MinimumLengthValidator), at least three of the four character classes, and not the
user name (nor the user name spelled backwards, nor containing it)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

CLASSES = (
    (re.compile(r"[a-z]"), _("小写字母")),
    (re.compile(r"[A-Z]"), _("大写字母")),
    (re.compile(r"[0-9]"), _("数字")),
    (re.compile(r"[^a-zA-Z0-9]"), _("符号")),
)
TOO_FEW_CLASSES = _("密码须包含小写字母、大写字母、数字、符号中的至少%(n)d类")
CONTAINS_USERNAME = _("密码不能包含用户名")


class CharacterClassesValidator:
    """At least ``min_classes`` of: lower-case letters, upper-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if sum(1 for pattern, _label in CLASSES if pattern.search(password)) < self.min_classes:
            raise ValidationError(TOO_FEW_CLASSES, code="password_too_simple", params={"n": self.min_classes})

    def get_help_text(self) -> str:
        return ngettext(
            "密码须包含小写字母、大写字母、数字、符号中的至少%(n)d类",
            "密码须包含小写字母、大写字母、数字、符号中的至少%(n)d类",
            self.min_classes,
        ) % {"n": self.min_classes}


class NotUsernameValidator:
    """The password neither is nor contains the user name (forwards or backwards), ignoring case."""

    def validate(self, password: str, user=None) -> None:
        username = (getattr(user, "username", "") or "").lower()
        lowered = password.lower()
        if username and (username in lowered or username[::-1] in lowered):
            raise ValidationError(CONTAINS_USERNAME, code="password_contains_username")

    def get_help_text(self) -> str:
        return str(CONTAINS_USERNAME)
