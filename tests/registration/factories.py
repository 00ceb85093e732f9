"""Building valid people and applications for tests."""

from __future__ import annotations

import itertools
from datetime import date

from offices.models import Region
from registration.idnumbers import check_character
from registration.models import Application
from registration.services import PersonData, application_submit

_seq = itertools.count(100)


def citizen_id(born: date = date(1990, 5, 17), *, region: str = "410802", male: bool = True) -> str:
    """A valid 18-digit citizen ID, unique per call (the sequence number changes)."""
    seq = next(_seq) % 1000
    while (seq % 2 == 1) != male:
        seq = next(_seq) % 1000
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def person_data(**overrides) -> PersonData:
    fields = {"id_type": "01", "id_number": citizen_id(), "name": "张三", "phone": "13800000001"}
    fields.update(overrides)
    return PersonData(**fields)


def submit(
    *, region: str = "410802", user=None, channel: str = Application.Channel.COUNTER, **overrides
) -> Application:
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
