from datetime import datetime

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.urls import path

from portal.plugins import Badge
from registration.selectors import TimelineEntry


@login_required
@permission_required("example_stage.use_example", raise_exception=True)
def index(request):
    return HttpResponse("example stage")


def panel(request):
    if not request.user.has_perm("example_stage.use_example"):
        return None
    return "example_stage/panel.html", {"ticks": 7}


def timeline(person):
    return [TimelineEntry(datetime.fromisoformat("2026-01-02T03:04:05+08:00"), "example", "示例阶段的记录")]


def badges(request, registration_ids):
    """Marks the registrations of people named "示例标记" (so that no other test's lists change)."""
    from registration.models import Registration

    marked = Registration.objects.filter(pk__in=registration_ids, person__name="示例标记")
    return {pk: [Badge("示例阶段标记")] for pk in marked.values_list("pk", flat=True)}


app_name = "example_stage"
urlpatterns = [path("", index, name="index")]
