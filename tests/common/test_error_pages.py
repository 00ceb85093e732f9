"""Error pages are Chinese, in the site's layout, with a way back home (never Django's English defaults or
the debug page listing the URL patterns)."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_a_missing_page_answers_in_chinese_in_the_sites_layout(client, caseworker_jiefang):
    client.force_login(caseworker_jiefang)
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert '<h1 id="h-error">页面不存在</h1>' in html
    assert 'aria-label="主导航"' in html  # the navigation of the layout
    assert f'href="{reverse("home")}">返回首页</a>' in html
    assert "Page not found" not in html and "URLconf" not in html


def test_a_page_of_another_role_answers_403_in_chinese(client, caseworker_jiefang):
    client.force_login(caseworker_jiefang)
    response = client.get(reverse("registration:import_list"))  # ops only
    assert response.status_code == 403
    html = response.content.decode()
    assert '<h1 id="h-error">没有权限</h1>' in html and "返回首页" in html


def test_a_form_without_its_security_token_says_the_page_expired(caseworker_jiefang):
    client = Client(enforce_csrf_checks=True)
    client.force_login(caseworker_jiefang)
    response = client.post(reverse("registration:application_new"), {})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_a_server_error_answers_in_chinese_without_details():
    response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "系统出错" in html and "返回首页" in html and "Traceback" not in html
