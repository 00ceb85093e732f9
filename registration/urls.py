from .views import audit, counter, imports, people

app_name = "registration"

urlpatterns = [*counter.urlpatterns, *people.urlpatterns, *imports.urlpatterns, *audit.urlpatterns]
