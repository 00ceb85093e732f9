"""Signing in and out in a real browser: the login page, keyboard-only sign-in, a wrong password, logout."""

from __future__ import annotations

import re

from django.contrib.auth.forms import AuthenticationForm
from django.utils import translation
from playwright.sync_api import Page, expect

from offices.models import User
from tests.conftest import PASSWORD


def invalid_login_message() -> str:
    """Django's own wording for a wrong username or password, in Simplified Chinese."""
    with translation.override("zh-hans"):
        return str(AuthenticationForm.error_messages["invalid_login"]) % {
            "username": User._meta.get_field(User.USERNAME_FIELD).verbose_name
        }


def expect_login_page(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"^http://[^/]+/login/(\?|$)"))
    expect(page.get_by_role("heading", level=1)).to_have_text("工作人员登录")
    expect(page.get_by_role("button", name="退出登录")).to_have_count(0)


def test_it_sends_a_logged_out_visitor_to_the_chinese_login_page(page: Page, page_problems):
    page.goto("/")

    expect(page).to_have_url("/login/?next=/")
    expect_login_page(page)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_title("登录 · 失业登记服务管理系统")
    expect(page.get_by_label("用户名", exact=True)).to_be_visible()
    expect(page.get_by_label("密码", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()
    # The stylesheet was served and applied: the login button is the brand blue, not the browser default.
    expect(page.get_by_role("button", name="登录", exact=True)).to_have_css(
        "background-color", "rgb(11, 92, 171)"
    )
    assert page_problems == []


def test_it_lets_a_caseworker_log_in_by_keyboard_alone(page: Page, caseworker_jiefang, page_problems):
    page.goto("/")
    username = page.get_by_label("用户名", exact=True)
    password = page.get_by_label("密码", exact=True)

    expect(username).to_be_focused()  # autofocus: typing can start right away
    page.keyboard.type(caseworker_jiefang.username)
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    expect(page).to_have_url("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("您好，李经办")
    caseworker_panel = page.locator("#panel-caseworker")
    expect(caseworker_panel).to_be_visible()
    expect(caseworker_panel.get_by_role("heading", name="经办工作台")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("解放区公共就业服务中心")
    expect(page.locator(".userbox")).to_contain_text("李经办 · 解放区公共就业服务中心")
    expect(page.get_by_role("heading", name="时限监督")).to_have_count(0)
    expect(page.get_by_text("时限监督")).not_to_be_visible()
    assert page_problems == []


def test_it_rejects_a_wrong_password_with_a_chinese_message(
    page: Page, caseworker_jiefang, page_problems, screenshot
):
    page.goto("/login/")
    page.get_by_label("用户名", exact=True).fill(caseworker_jiefang.username)
    page.get_by_label("密码", exact=True).fill("not-the-password")
    page.get_by_role("button", name="登录", exact=True).click()

    expect_login_page(page)
    message = invalid_login_message()
    assert "密码" in message  # Chinese, not Django's English fallback
    expect(page.get_by_role("alert")).to_have_text(message)
    expect(page.get_by_label("用户名", exact=True)).to_have_value(caseworker_jiefang.username)
    expect(page.get_by_label("密码", exact=True)).to_have_value("")
    assert not any(cookie["name"] == "sessionid" for cookie in page.context.cookies())
    screenshot(page, "error")

    page.goto("/")  # still not signed in
    expect(page).to_have_url("/login/?next=/")
    assert page_problems == []


def test_it_logs_out_from_the_header_button(page: Page, log_in, supervisor_jiaozuo, page_problems):
    log_in(page, supervisor_jiaozuo)
    expect(page.get_by_role("heading", name="时限监督")).to_be_visible()

    page.get_by_role("button", name="退出登录").click()

    expect_login_page(page)
    page.goto("/")
    expect(page).to_have_url("/login/?next=/")
    assert page_problems == []
