"""AAE011: whoever decides an application has a handler name on record (the ministry upload carries it);
without one the decision is refused with a message to ask the administrator."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from offices.roles import Role
from registration import services
from registration.models import Application, RejectionReason
from tests.conftest import make_staff

from .factories import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def nameless(office_jiefang):
    return make_staff("cw_nameless", office_jiefang, Role.CASEWORKER, handler_name="")


@pytest.mark.parametrize(
    "decide",
    [
        lambda app, user: services.application_register(application=app, user=user),
        lambda app, user: services.application_reject(
            application=app, user=user, reason=RejectionReason.NO_JOB_SEEKING
        ),
        lambda app, user: services.application_withdraw(application=app, user=user, reason="本人来电撤回"),
    ],
    ids=["register", "reject", "withdraw"],
)
def test_it_refuses_a_decision_by_staff_without_a_handler_name(caseworker_jiefang, nameless, decide):
    application = submit(user=caseworker_jiefang)
    with pytest.raises(ValidationError) as exc:
        decide(application, nameless)
    assert exc.value.code == "no_handler_name" and exc.value.messages == [str(services.NO_HANDLER_NAME)]
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_the_application_page_tells_staff_without_a_handler_name_to_ask_the_administrator(
    client, caseworker_jiefang, nameless
):
    application = submit(user=caseworker_jiefang)
    client.force_login(nameless)
    url = reverse("registration:application_detail", args=[application.code])
    assert f'<p class="form-errors" role="alert" id="no-handler-name">{services.NO_HANDLER_NAME}</p>' in (
        client.get(url).content.decode()
    )
    response = client.post(reverse("registration:application_register", args=[application.code]), follow=True)
    assert str(services.NO_HANDLER_NAME) in response.content.decode()
    client.force_login(caseworker_jiefang)
    assert "no-handler-name" not in client.get(url).content.decode()
