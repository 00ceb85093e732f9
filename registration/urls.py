from .views import counter, imports, people

app_name = "registration"

urlpatterns = [*counter.urlpatterns, *people.urlpatterns, *imports.urlpatterns]
