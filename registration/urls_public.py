"""The applicant's pages at /apply/ (no login): online application, confirmation, progress query."""

from .views import public

app_name = "apply"

urlpatterns = [*public.urlpatterns]
