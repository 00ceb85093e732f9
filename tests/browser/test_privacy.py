"""ID numbers in a real browser: a caseworker finds a person by ID number from the keyboard without the number
ever reaching the address bar, sees it masked beside the age, shows it once, and a reload masks it again."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.registration.factories import person_data, submit


def test_it_finds_and_reveals_a_number_without_it_reaching_the_address_bar(
    page: Page, log_in, caseworker_jiefang, office_jiefang, page_problems, screenshot
):
    person = submit(user=caseworker_jiefang, person=person_data(name="郑十")).person
    log_in(page, caseworker_jiefang)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="人员查询").click()

    expect(page.get_by_label("证件号码、姓名或电话")).to_be_focused()
    page.keyboard.type(person.id_number)
    page.keyboard.press("Enter")

    row = page.get_by_role("row").filter(has_text="郑十")
    expect(row).to_contain_text(person.masked_id_number)
    assert person.id_number not in page.url
    assert f"{person.birth_date:%Y-%m-%d}" not in page.content()
    screenshot(page, "results")

    row.get_by_role("link", name="郑十").click()
    expect(page.locator("#id-number")).to_have_text(person.masked_id_number)
    page.get_by_role("button", name="显示完整号码").click()
    expect(page.locator("#id-number")).to_have_text(person.id_number)
    assert person.id_number not in page.url

    page.goto(f"/people/{person.code}/")
    expect(page.locator("#id-number")).to_have_text(person.masked_id_number)
    assert page_problems == []
