"""Sign-in protection of 等保2.0 level 3: lockout after repeated wrong passwords (per account and per address),
every failure logged, an administrator unlocks; password complexity; sign-out after inactivity; an optional
second factor for the admin site."""

from __future__ import annotations

import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from offices.passwords import CONTAINS_USERNAME, TOO_FEW_CLASSES
from offices.roles import Role
from offices.security import SESSION_LAST_SEEN
from tests.conftest import PASSWORD, make_staff

pytestmark = pytest.mark.django_db


def sign_in(client, username: str, password: str, address: str = "10.0.0.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_it_locks_an_account_after_five_wrong_passwords_even_for_the_right_one(
    client, caseworker_jiefang, settings
):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, "cw_jiefang", f"wrong-{attempt}", address=f"10.0.0.{attempt + 1}")
        assert response.status_code == 200  # the form again, with Django's plain message
    response = sign_in(client, "cw_jiefang", "wrong-again", address="10.0.0.50")
    assert response.status_code == 429  # the last failure allowed locks the account, and says so
    assert "登录失败次数过多" in response.content.decode()
    response = sign_in(client, "cw_jiefang", PASSWORD, address="10.0.0.99")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_locks_an_address_that_tries_many_accounts(
    client, caseworker_jiefang, caseworker_wenxian, settings
):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"guess{attempt}", "wrong-password")
    response = sign_in(client, "cw_wenxian", PASSWORD)
    assert response.status_code == 429
    assert sign_in(client, "cw_wenxian", PASSWORD, address="10.0.0.8").status_code == 302  # another address


def test_it_logs_every_failed_sign_in_without_the_password(client, caseworker_jiefang, caplog):
    sign_in(client, "cw_jiefang", "not-the-password-9")
    assert "failed sign-in for user 'cw_jiefang' from 10.0.0.7" in caplog.text
    assert "not-the-password-9" not in caplog.text


def test_an_administrator_unlocks_a_locked_account_in_the_admin(
    client, caseworker_jiefang, settings, office_jiaozuo
):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "cw_jiefang", f"wrong-{attempt}")
    assert sign_in(client, "cw_jiefang", PASSWORD).status_code == 429
    administrator = make_staff("admin_jz", office_jiaozuo, Role.ADMINISTRATOR, is_staff=True)
    client.force_login(administrator)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert "cw_jiefang" in client.get(changelist).content.decode()
    attempt = AccessAttempt.objects.get(username="cw_jiefang")
    response = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"}
    )
    assert response.status_code == 302
    client.logout()
    assert sign_in(client, "cw_jiefang", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("password", "message"),
    [("abcdefghij", TOO_FEW_CLASSES), ("abcdefgh12", TOO_FEW_CLASSES), ("Xcw_jiefang-1", CONTAINS_USERNAME)],
)
def test_it_refuses_passwords_below_the_level_3_rules(caseworker_jiefang, password, message):
    with pytest.raises(ValidationError) as exc:
        validate_password(password, caseworker_jiefang)
    assert str(message % {"n": 3}) in exc.value.messages


def test_it_accepts_a_password_of_three_classes_and_eight_characters(caseworker_jiefang):
    validate_password("Bright-river7", caseworker_jiefang)
    with pytest.raises(ValidationError):
        validate_password("Ab-1", caseworker_jiefang)  # three classes, too short


def test_it_signs_out_a_staff_member_idle_for_longer_than_the_limit(client, caseworker_jiefang, settings):
    client.force_login(caseworker_jiefang)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[SESSION_LAST_SEEN] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "由于长时间未操作，您已自动退出登录" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_keeps_an_active_staff_member_signed_in(client, caseworker_jiefang, settings):
    client.force_login(caseworker_jiefang)
    client.get(reverse("home"))
    session = client.session
    session[SESSION_LAST_SEEN] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT + 60
    session.save()
    assert client.get(reverse("home")).status_code == 200


def test_the_admin_asks_for_a_one_time_password_when_required(client, ops_jiaozuo, settings):
    settings.ADMIN_OTP_REQUIRED = True
    device = TOTPDevice.objects.create(user=ops_jiaozuo, name="手机")
    login = reverse("admin:login")
    data = {"username": ops_jiaozuo.username, "password": PASSWORD, "next": reverse("admin:index")}
    response = client.post(login, {**data, "otp_device": device.persistent_id, "otp_token": "000000"})
    assert "_auth_user_id" not in client.session
    device.refresh_from_db()
    device.throttle_reset()  # a wrong token makes the device wait a moment before the next try
    token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    response = client.post(login, {**data, "otp_device": device.persistent_id, "otp_token": f"{token:06d}"})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_admin_takes_a_password_alone_when_no_second_factor_is_required(client, ops_jiaozuo, settings):
    settings.ADMIN_OTP_REQUIRED = False
    response = client.post(
        reverse("admin:login"),
        {"username": ops_jiaozuo.username, "password": PASSWORD, "next": reverse("admin:index")},
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_an_administrator_gets_the_qr_code_of_a_totp_device(client, ops_jiaozuo, office_jiaozuo):
    administrator = make_staff("admin_qr", office_jiaozuo, Role.ADMINISTRATOR, is_staff=True)
    device = TOTPDevice.objects.create(user=ops_jiaozuo, name="手机")
    client.force_login(administrator)
    response = client.get(reverse("admin:otp_totp_totpdevice_qrcode", args=[device.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg+xml")
