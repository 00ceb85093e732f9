"""Building valid people and applications for tests: the one set of helpers every test file uses.

citizen_id()                          # a new valid citizen ID (a man born 1990-05-17 in 解放区)
citizen_id(date(1990, 1, 1), seq=123)  # exactly that one, every time
submit(user=caseworker, person=person_data(name="王五"))  # a pending application, through the service
"""

from __future__ import annotations

import itertools
from datetime import date

from offices.models import Region
from registration.idnumbers import check_character
from registration.models import Application
from registration.services import PersonData, application_submit

_seq = itertools.count(100)


def citizen_id(
    born: date = date(1990, 5, 17),
    *,
    region: str = "410802",
    male: bool | None = None,
    seq: int | None = None,
) -> str:
    """A valid 18-character citizen ID (GB 11643): address code, birth date, sequence number, check character.

    Without ``seq`` a new number on every call (the next sequence number; a man's unless ``male=False``).
    With ``seq`` exactly that sequence number, so the same ID every time; its last digit gives the sex (odd for
    a man, even for a woman), which ``male``, if given, must agree with.
    """
    if seq is None:
        want_male = male is not False
        seq = next(_seq) % 1000
        while (seq % 2 == 1) != want_male:
            seq = next(_seq) % 1000
    elif male is not None and (seq % 2 == 1) != male:
        raise ValueError(f"sequence number {seq:03d} is a {'man' if seq % 2 else 'woman'}'s")
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def person_data(**overrides) -> PersonData:
    """What an application says about a person: a new citizen ID, a name and a phone unless overridden."""
    fields = {"id_type": "01", "id_number": citizen_id(), "name": "张三", "phone": "13800000001"}
    fields.update(overrides)
    return PersonData(**fields)


def submit(
    *, region: str = "410802", user=None, channel: str = Application.Channel.COUNTER, **overrides
) -> Application:
    """A pending application made through ``application_submit`` (a new person unless ``person`` is given).

    ``user`` is the caseworker who takes it (None: nobody, as online); any other argument of
    ``application_submit`` can be overridden.
    """
    person = overrides.pop("person", None) or person_data()
    kwargs = {
        "person": person,
        "channel": channel,
        "basis": Application.Basis.RESIDENCE,
        "region": Region.objects.get(code=region),
        "commitment_accepted": True,
        "received_by": user,
    }
    kwargs.update(overrides)
    return application_submit(**kwargs)


def record_manual_check(application, user, detail: str = "电话联系原单位核实仍在职"):
    """The evidence "employed per comparison or check" needs: a recorded manual check (人工核查)."""
    from registration.models import Verification
    from registration.services import application_verify_manually

    return application_verify_manually(
        application=application, user=user, outcome=Verification.Outcome.DISCREPANCY, detail=detail
    )
