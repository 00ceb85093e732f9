from .views import urlpatterns as exit_urlpatterns
from .views_exchange import urlpatterns as exchange_urlpatterns

app_name = "national_sync"

# The exit upload's pages (views) and the national platform exchange's (views_exchange).
urlpatterns = [*exit_urlpatterns, *exchange_urlpatterns]
