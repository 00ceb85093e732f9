from .views_exchange import urlpatterns as exchange_urlpatterns

app_name = "national_sync"

# The national platform exchange's pages (views_exchange); the exit upload's pages join this list.
urlpatterns = [*exchange_urlpatterns]
