from __future__ import annotations

from django.db.models import QuerySet

from .models import Office, Region


def office_for_region(region: Region) -> Office | None:
    """The office that handles applications for ``region``: an active office of the region itself, or else of
    the nearest region above it (a county without its own office is served by its city). None if there is none.
    """
    codes = [c for c in region.path.split("/") if c]
    offices = {
        o.region_id: o for o in Office.objects.filter(region_id__in=codes, is_active=True).order_by("code")
    }
    for code in reversed(codes):
        if code in offices:
            return offices[code]
    return None


def regions_with_offices(root: Region | None = None) -> QuerySet[Region]:
    """Regions where applications can be taken (an active office is there or above it), for choice lists:
    every county and city below a region that has an active office."""
    office_paths = list(
        Office.objects.filter(is_active=True).values_list("region__path", flat=True).distinct()
    )
    from django.db.models import Q

    condition = Q(pk__in=[])
    for path in office_paths:
        condition |= Q(path__startswith=path)
    qs = Region.objects.filter(condition)
    if root is not None:
        qs = qs.filter(path__startswith=root.path)
    return qs.order_by("code")
