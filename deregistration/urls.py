from .views import urlpatterns as exit_urlpatterns
from .views_imports import urlpatterns as proposal_urlpatterns

app_name = "deregistration"
urlpatterns = exit_urlpatterns + proposal_urlpatterns
