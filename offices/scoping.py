"""The one place that decides what a staff user may see: their office's region and everything below it.

Every list, lookup and object fetch in later stages goes through these helpers:

    people = scope_by_region(Person.objects.all(), request.user, field="region")
    office = get_in_scope_or_404(Office.objects.all(), request.user, field="region", pk=pk)

- a county office (e.g. 解放区) sees its county only;
- a city office (焦作市) sees the city and all its counties;
- a province-level office sees the province;
- superusers see everything; a user without an office sees nothing.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .models import Region

M = TypeVar("M", bound=Model)


def user_scope_path(user) -> str | None:
    """The region path prefix the user may see; "" means everything, None means nothing."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return ""
    office = getattr(user, "office", None)
    if office is None or not office.is_active:
        return None
    return office.region.path


def region_filter(user, field: str = "region") -> Q:
    """A Q object restricting ``field`` (a FK to Region) to the user's scope."""
    path = user_scope_path(user)
    if path is None:
        return Q(pk__in=[])
    if path == "":
        return Q()
    return Q(**{f"{field}__path__startswith": path})


def scope_by_region(queryset: QuerySet[M], user, field: str = "region") -> QuerySet[M]:
    """``queryset`` limited to rows whose ``field`` region lies in the user's scope."""
    return queryset.filter(region_filter(user, field))


def visible_regions(user) -> QuerySet[Region]:
    path = user_scope_path(user)
    if path is None:
        return Region.objects.none()
    return Region.objects.filter(path__startswith=path) if path else Region.objects.all()


def can_see_region(user, region: Region) -> bool:
    path = user_scope_path(user)
    return path is not None and region.path.startswith(path)


def get_in_scope_or_404(queryset: QuerySet[M], user, field: str = "region", **lookup) -> M:
    """One object by ``lookup`` if it exists *and* lies in the user's scope; otherwise 404.

    Out-of-scope objects answer 404, not 403, so that IDs in other regions cannot be probed.
    """
    try:
        return scope_by_region(queryset, user, field).get(**lookup)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
