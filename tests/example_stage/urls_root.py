"""The test settings' URL configuration: the project's, plus the example stage's include."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, path("example/", include("tests.example_stage.views"))]
