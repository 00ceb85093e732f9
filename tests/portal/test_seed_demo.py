"""`make run` loads the demo data through every stage's plugin: it must load, and load only once."""

import pytest
from django.core.management import call_command

from offices.models import User
from registration.demo import DEMO_ADDRESS
from registration.models import Application, Person, Registration

pytestmark = pytest.mark.django_db


def test_the_demo_data_loads_through_the_services_and_only_once(settings, capsys):
    settings.DEMO_DATA = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "registration: 300 new demo rows" in out
    assert User.objects.filter(username="caseworker_jiefang").exists()
    assert Person.objects.filter(address=DEMO_ADDRESS).count() == 300
    statuses = set(Application.objects.values_list("status", flat=True))
    assert {"pending", "registered", "rejected"} <= statuses
    assert Registration.objects.exists()
    # The follow-up stage's demo: full worklists and a person with each streak a newcomer should see.
    from followup.models import Case
    from followup.selectors import exit_streaks

    streaks = [exit_streaks(case) for case in Case.objects.filter(attempts__isnull=False).distinct()]
    assert any(s["code_31"] for s in streaks) and any(s["code_32"] for s in streaks)
    # The deregistration stage's demo: exits of several codes, a 32 waiting for approval, a cancelled exit.
    from deregistration.models import Exit

    assert "deregistration: 6 new demo rows" in out
    assert {"effective", "proposed", "cancelled"} <= set(Exit.objects.values_list("status", flat=True))
    people = Person.objects.count()
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "registration: 0 new demo rows" in out and "deregistration: 0 new demo rows" in out
    assert Person.objects.count() == people


@pytest.mark.parametrize("moment", ["2026-12-01 00:10:00+08:00", "2026-11-02 08:00:00+08:00"])
def test_the_demo_data_loads_on_the_first_days_of_a_month(settings, time_machine, moment):
    """Contacts made "a few days before" a date early in a month must not fall before a registration made at the
    end of the previous one."""
    time_machine.move_to(moment)
    settings.DEMO_DATA = True
    call_command("seed_demo")
    assert Person.objects.filter(address=DEMO_ADDRESS).count() == 300
