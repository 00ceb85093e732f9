"""Messages follow the reader's language: a service error is translated when it is shown, not at import.

Module-level messages are lazy (``gettext_lazy``), so which language was active when a module was first imported
(a worker started under English, a test run that imports in another order) changes nothing.
"""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from registration import services

from .factories import person_data, submit

pytestmark = pytest.mark.django_db

# Modules of the stage that define messages; each is checked for messages translated at import.
MODULES = [
    "registration.services",
    "registration.forms",
    "registration.forms_public",
    "registration.models",
    "registration.selectors",
    "registration.idnumbers",
    "registration.verification",
    "registration.views.counter",
    "registration.views.people",
    "registration.views.audit",
]


def _commitment_error() -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        submit(commitment_accepted=False)
    return exc.value


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", "The applicant must first sign the commitment (notification-and-commitment system)"),
        ("zh-hans", "请先由申请人签署告知承诺（告知承诺制）"),
    ],
)
def test_a_service_error_is_in_the_language_of_the_reader(language, expected, office_jiefang):
    with translation.override(language):
        assert _commitment_error().message_dict == {"commitment_accepted": [expected]}


def test_the_same_error_raised_once_reads_in_each_language(office_jiefang):
    error = _commitment_error()  # raised under the default language
    with translation.override("en"):
        assert error.message_dict["commitment_accepted"][0].startswith("The applicant must first sign")
    with translation.override("zh-hans"):
        assert error.message_dict["commitment_accepted"][0] == "请先由申请人签署告知承诺（告知承诺制）"


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", "This application has already been decided (Not registered) and cannot be decided again"),
        ("zh-hans", "该申请已办理（不予登记），不能再次办理"),
    ],
)
def test_a_formatted_error_is_in_the_language_of_the_reader(
    language, expected, caseworker_jiefang, office_jiefang
):
    application = submit(user=caseworker_jiefang, person=person_data())
    services.application_reject(application=application, user=caseworker_jiefang, reason="not_seeking")
    with translation.override(language), pytest.raises(ValidationError) as exc:
        services.application_reject(application=application, user=caseworker_jiefang, reason="not_seeking")
    assert exc.value.messages == [expected]


def test_the_applicant_is_told_in_chinese_whatever_the_caseworkers_language(
    caseworker_jiefang, office_jiefang
):
    from common.models import Notification

    application = submit(user=caseworker_jiefang)
    with translation.override("en"):
        services.application_reject(application=application, user=caseworker_jiefang, reason="not_seeking")
    sms = Notification.objects.get(ref=f"application:{application.number}")
    assert sms.text.startswith("【失业登记】") and "本人表示暂无就业需求" in sms.text


@pytest.mark.parametrize("name", MODULES)
def test_no_module_translates_a_message_at_import(name):
    """A module-level string that is a msgid of the English catalog was translated eagerly at import (under
    Chinese it stays the msgid): it must be a lazy message instead."""
    module = importlib.import_module(name)
    eager = []
    for attr, value in vars(module).items():
        if inspect.ismodule(value) or inspect.isclass(value) or callable(value):
            continue
        values = value.values() if isinstance(value, dict) else [value]
        for v in values:
            if isinstance(v, str) and not isinstance(v, Promise):
                with translation.override("en"):
                    if gettext(v) != v:
                        eager.append(attr)
    assert eager == []


def test_the_service_messages_are_lazy():
    for name in ("COMMITMENT_REQUIRED", "ALREADY_PENDING", "NOT_PENDING", "OUT_OF_SCOPE", "NAME_MISMATCH"):
        assert isinstance(getattr(services, name), Promise), name


IMPORT_UNDER = """
import importlib, django
django.setup()
from django.utils import translation
translation.activate({first!r})
import registration.services as services
services = importlib.reload(services)  # (re)defines its messages under the first language
translation.activate({then!r})
print(str(services.COMMITMENT_REQUIRED))
"""


@pytest.mark.parametrize(
    "first, then, expected",
    [
        ("en", "zh-hans", "请先由申请人签署告知承诺（告知承诺制）"),
        (
            "zh-hans",
            "en",
            "The applicant must first sign the commitment (notification-and-commitment system)",
        ),
    ],
)
def test_the_language_active_at_import_does_not_matter(first, then, expected):
    """In a fresh interpreter (a reload here would leave other modules holding the old exception classes)."""
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_UNDER.format(first=first, then=then)],
        cwd=settings.BASE_DIR,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
