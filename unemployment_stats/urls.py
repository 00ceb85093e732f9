from .views import urlpatterns as urlpatterns

app_name = "unemployment_stats"
