from datetime import datetime

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.urls import path

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


app_name = "example_stage"
urlpatterns = [path("", index, name="index")]
